// The matrix product in its three variants (A·B, A·Bᵀ, Aᵀ·B: the vjps use all three, so backward never
// makes a transpose), batched with NumPy's broadcasting of the batch axes: 16×16 tiles of each operand
// staged in workgroup memory, one output element per invocation, one workgroup per tile per matrix.
import { sizeOf } from '../ndarray.js';
import type { MatmulAttrs } from '../rules/matmul.js';
import type { GpuKernel } from './device.js';
import { bindings, broadcastStrides, coordinates, offset } from './shader.js';

const TILE = 16;

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
var<workgroup> tileA: array<f32, ${TILE * TILE}>;
var<workgroup> tileB: array<f32, ${TILE * TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  ${coordinates(batch, 'wid.z', 'z')}
  let a0 = ${baseA};
  let b0 = ${baseB};
  var acc = 0.0;
  for (var t = 0u; t < ${k}u; t += ${TILE}u) {
    let pa = t + lid.x;
    var va = 0.0;
    if (row < ${m}u && pa < ${k}u) { let p = pa; va = x0[a0 + ${atA}]; }
    tileA[lid.y * ${TILE}u + lid.x] = va;
    let pb = t + lid.y;
    var vb = 0.0;
    if (pb < ${k}u && col < ${n}u) { let p = pb; vb = x1[b0 + ${atB}]; }
    tileB[lid.y * ${TILE}u + lid.x] = vb;
    workgroupBarrier();
    for (var q = 0u; q < ${TILE}u; q++) {
      acc += tileA[lid.y * ${TILE}u + q] * tileB[q * ${TILE}u + lid.x];
    }
    workgroupBarrier();
  }
  if (row < ${m}u && col < ${n}u) { out[wid.z * ${m * n}u + row * ${n}u + col] = acc; }
}`;
  gpu.run(code, [gpu.bufferOf(a!.data), gpu.bufferOf(b!.data)], out.buffer, [
    Math.ceil(n / TILE),
    Math.ceil(m / TILE),
    count,
  ]);
  return { data: out.data, shape };
};
