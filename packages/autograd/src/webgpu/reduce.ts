// Reductions: one workgroup per output element, its 64 invocations each combining a strided share of
// the reduced elements, then a tree in workgroup memory. The order of a sum differs from the CPU's
// (index order): the results agree to float32's rounding, not bit for bit.
import { reducedShape, sizeOf, stridesOf } from '../ndarray.js';
import type { ReduceAttrs } from '../rules/reduce.js';
import type { GpuKernel, Operand, WebGpuDevice } from './device.js';
import { bindings, coordinates, offset, spread } from './shader.js';

const WIDTH = 64;

type Kind = 'sum' | 'max' | 'min';

/** How each kind starts and combines two values (max and min: NaN wins, as on the CPU). */
const COMBINE: Record<Kind, { readonly start: string; readonly combine: string }> = {
  sum: { start: '0.0', combine: 'a + b' },
  max: { start: 'inf_f32(-1.0)', combine: 'js_max(a, b)' },
  min: { start: 'inf_f32(1.0)', combine: 'js_min(a, b)' },
};

/** x reduced over `axes` by `kind`; `finish` maps the result (WGSL over `r`). */
function reduceOver(
  gpu: WebGpuDevice,
  x: Operand,
  axes: readonly number[],
  kind: Kind,
  shape: readonly number[],
  finish = 'r',
) {
  const strides = stridesOf(x.shape);
  const kept = x.shape.flatMap((d, k) => (axes.includes(k) ? [] : [d]));
  const keptStrides = strides.filter((_, k) => !axes.includes(k));
  const reduced = axes.map((a) => x.shape[a]!);
  const reducedStrides = axes.map((a) => strides[a]!);
  const outputs = sizeOf(kept);
  const count = sizeOf(reduced);
  const { start, combine } = COMBINE[kind];
  const out = gpu.allocate(outputs);
  const code = `${bindings(1)}
var<workgroup> part: array<f32, ${WIDTH}>;
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
@compute @workgroup_size(${WIDTH})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let o = wid.x + wid.y * groups.x;
  if (o >= ${outputs}u) { return; }
  ${coordinates(kept, 'o', 'k')}
  let base = ${offset(keptStrides, 'k')};
  var acc = ${start};
  for (var n = lid.x; n < ${count}u; n += ${WIDTH}u) {
    ${coordinates(reduced, 'n', 'r')}
    acc = combine(acc, x0[base + ${offset(reducedStrides, 'r')}]);
  }
  part[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${WIDTH / 2}u; s > 0u; s = s / 2u) {
    if (lid.x < s) { part[lid.x] = combine(part[lid.x], part[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) { let r = part[0]; out[o] = ${finish}; }
}`;
  gpu.run(code, [gpu.bufferOf(x.data)], [out.buffer], spread(outputs));
  return { data: out.data, shape };
}

export function reduction(kind: Kind): GpuKernel<ReduceAttrs> {
  return (gpu, [x], { axes, keepDims }) =>
    reduceOver(gpu, x!, axes, kind, reducedShape(x!.shape, axes, keepDims));
}

/** The shift of the softmax family: the max over the axes (kept), 0 where it is not finite. */
export const shift: GpuKernel<readonly number[]> = (gpu, [x], axes) =>
  reduceOver(
    gpu,
    x!,
    axes,
    'max',
    reducedShape(x!.shape, axes, true),
    'select(0.0, r, abs(r) <= 3.4028234e38)',
  );
