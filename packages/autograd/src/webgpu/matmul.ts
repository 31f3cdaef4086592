// The matrix product in its three variants (A·B, A·Bᵀ, Aᵀ·B: the vjps use all three, so backward never
// makes a transpose), batched with NumPy's broadcasting of the batch axes: 32×16 and 16×32 tiles
// staged in workgroup memory, a 4×4 block of the output per invocation (64 to a workgroup's 32×32).
import { sizeOf } from '../ndarray.js';
import type { MatmulAttrs } from '../rules/matmul.js';
import type { GpuKernel } from './device.js';
import { bindings, broadcastStrides, coordinates, offset } from './shader.js';

/** A workgroup's block of C (TILE × TILE, 4×4 per invocation) and the depth of p it stages at a time. */
const TILE = 32;
const DEPTH = 16;

export const matmul: GpuKernel<MatmulAttrs> = (gpu, [a, b], { variant, shape }) => {
  const [m, n] = shape.slice(-2) as [number, number];
  const batch = shape.slice(0, -2);
  const k = variant === 'tn' ? a!.shape[a!.shape.length - 2]! : a!.shape[a!.shape.length - 1]!;
  // where element (row, p) of A and (p, col) of B are, within one matrix of each
  const atA = variant === 'tn' ? `p * ${m}u + row` : `row * ${k}u + p`;
  const atB = variant === 'nt' ? `col * ${k}u + p` : `p * ${n}u + col`;
  // each operand's matrix for batch index z: its batch axes broadcast to the output's
  const matrices = (shape: readonly number[], size: number) =>
    offset(
      broadcastStrides(shape.slice(0, -2), batch).map((s) => s * size),
      'z',
    );
  const baseA = matrices(a!.shape, m * k);
  const baseB = matrices(b!.shape, k * n);
  const count = sizeOf(batch);
  const out = gpu.allocate(count * m * n);
  const code = `${bindings(2)}
var<workgroup> tileA: array<f32, ${TILE * DEPTH}>;
var<workgroup> tileB: array<f32, ${DEPTH * TILE}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  ${coordinates(batch, 'wid.z', 'z')}
  let a0 = ${baseA};
  let b0 = ${baseB};
  let me = lid.y * 8u + lid.x;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var t = 0u; t < ${k}u; t += ${DEPTH}u) {
    // the 64 invocations stage a ${TILE}×${DEPTH} block of A and a ${DEPTH}×${TILE} block of B, 8 elements each
    for (var e = 0u; e < 8u; e++) {
      let at = me + e * 64u;
      let ra = wid.y * ${TILE}u + at / ${DEPTH}u;
      let pa = t + at % ${DEPTH}u;
      var va = 0.0;
      if (ra < ${m}u && pa < ${k}u) { let row = ra; let p = pa; va = x0[a0 + ${atA}]; }
      tileA[at] = va;
      let pb = t + at / ${TILE}u;
      let cb = wid.x * ${TILE}u + at % ${TILE}u;
      var vb = 0.0;
      if (pb < ${k}u && cb < ${n}u) { let p = pb; let col = cb; vb = x1[b0 + ${atB}]; }
      tileB[at] = vb;
    }
    workgroupBarrier();
    // each invocation: a 4×4 block of C, its rows' A values against its columns' B values, in p's order
    for (var q = 0u; q < ${DEPTH}u; q++) {
      let r = lid.y * 4u * ${DEPTH}u + q;
      let b = vec4f(tileB[q * ${TILE}u + lid.x * 4u], tileB[q * ${TILE}u + lid.x * 4u + 1u],
                    tileB[q * ${TILE}u + lid.x * 4u + 2u], tileB[q * ${TILE}u + lid.x * 4u + 3u]);
      acc0 += tileA[r] * b;
      acc1 += tileA[r + ${DEPTH}u] * b;
      acc2 += tileA[r + ${2 * DEPTH}u] * b;
      acc3 += tileA[r + ${3 * DEPTH}u] * b;
    }
    workgroupBarrier();
  }
  let rows = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let row = wid.y * ${TILE}u + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = wid.x * ${TILE}u + lid.x * 4u + j;
      if (row < ${m}u && col < ${n}u) { out[wid.z * ${m * n}u + row * ${n}u + col] = rows[i][j]; }
    }
  }
}`;
  gpu.run(
    code,
    [gpu.bufferOf(a!.data), gpu.bufferOf(b!.data)],
    [out.buffer],
    [Math.ceil(n / TILE), Math.ceil(m / TILE), count],
  );
  return { data: out.data, shape };
};
