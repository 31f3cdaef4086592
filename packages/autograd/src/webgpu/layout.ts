// The elementwise ops (their WGSL from the rules' own expressions, wgsl.ts) and the ops that move
// elements (broadcast, transpose, slice, pad, concat, gather and its scatter), one invocation per
// output element, reading its inputs at offsets decoded from the output's coordinates.
import { type NDArray, sizeOf, stridesOf } from '../ndarray.js';
import type { GatherAttrs, PadAttrs, ScatterAttrs, SliceAttrs } from '../rules/layout.js';
import type { ScalarForward } from '../rules/rule.js';
import type { GpuKernel, Operand, WebGpuDevice } from './device.js';
import { coordinates, offset, perElement, readInputs } from './shader.js';
import { literal, wgslOf } from './wgsl.js';

/** An elementwise op over `shape` (its inputs broadcast to it), `expression` in `$0`, `$1`…. */
export function zip(
  gpu: WebGpuDevice,
  inputs: readonly Operand[],
  shape: readonly number[],
  expression: string,
) {
  const value = expression.replace(/\$(\d+)/g, (_, k: string) => `v${k}`);
  const reads = readInputs(
    inputs.map((x) => x.shape),
    shape,
  );
  return perElement(gpu, inputs, sizeOf(shape), [...reads, `out[i] = ${value};`].join('\n  '), shape);
}

/** The kernel of an elementwise rule: over the inputs' shape, or (with attrs) over the broadcast shape. */
export function elementwise(name: string, rule: ScalarForward): GpuKernel<readonly number[] | undefined> {
  const expression = wgslOf(name, rule);
  return (gpu, inputs, shape) => zip(gpu, inputs, shape ?? inputs[0]!.shape, expression);
}

/** leakyRelu: its slope, the attribute, is `$1` of its WGSL. */
export function leaky(rule: ScalarForward): GpuKernel<number> {
  const expression = wgslOf('leakyRelu', rule);
  return (gpu, [x], slope) => zip(gpu, [x!], x!.shape, expression.replaceAll('$1', `(${literal(slope)})`));
}

/** A copy of x read as broadcast to `shape` (broadcastTo, and the copy a leaf's gradient keeps). */
export const broadcast: GpuKernel<readonly number[] | undefined> = (gpu, [x], shape) =>
  zip(gpu, [x!], shape ?? x!.shape, '$0');

export const reshape: GpuKernel<readonly number[]> = (_gpu, [x], shape) => ({ data: x!.data, shape });

export const transpose: GpuKernel<readonly number[]> = (gpu, [x], axes) => {
  const shape = axes.map((a) => x!.shape[a]!);
  const strides = stridesOf(x!.shape);
  const at = offset(axes.map((a) => strides[a]!));
  return perElement(gpu, [x!], sizeOf(shape), `${coordinates(shape)}\n  out[i] = x0[${at}];`, shape);
};

export const slice: GpuKernel<SliceAttrs> = (gpu, [x], { axis, start, end }) => {
  const shape = x!.shape.map((d, k) => (k === axis ? end - start : d));
  const strides = stridesOf(x!.shape);
  const at = `${offset(strides)} + ${start * strides[axis]!}u`;
  return perElement(gpu, [x!], sizeOf(shape), `${coordinates(shape)}\n  out[i] = x0[${at}];`, shape);
};

export const padAxis: GpuKernel<PadAttrs> = (gpu, [x], { axis, start, size }) => {
  const shape = x!.shape.map((d, k) => (k === axis ? size : d));
  const length = x!.shape[axis]!;
  const strides = stridesOf(x!.shape);
  const at = `${offset(strides)} - ${start * strides[axis]!}u`;
  const inside = `c${axis} >= ${start}u && c${axis} < ${start + length}u`;
  const body = `${coordinates(shape)}\n  if (${inside}) { out[i] = x0[${at}]; } else { out[i] = 0.0; }`;
  return perElement(gpu, [x!], sizeOf(shape), body, shape);
};

export const concat: GpuKernel<number> = (gpu, xs, axis) => {
  const total = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const shape = xs[0]!.shape.map((d, k) => (k === axis ? total : d));
  let start = 0;
  const branches = xs.map((x, k) => {
    const strides = stridesOf(x.shape);
    const end = start + x.shape[axis]!;
    const read = `out[i] = x${k}[${offset(strides)} - ${start * strides[axis]!}u];`;
    const branch = k === xs.length - 1 ? `{ ${read} }` : `if (c${axis} < ${end}u) { ${read} }`;
    start = end;
    return branch;
  });
  return perElement(gpu, xs, sizeOf(shape), `${coordinates(shape)}\n  ${branches.join(' else ')}`, shape);
};

/** The indices of a gather or scatter, a CPU array of the attributes, as an input of the device. */
function indices(gpu: WebGpuDevice, index: NDArray): Operand {
  return { data: gpu.upload(Float32Array.from(index.data), 'gather'), shape: index.shape };
}

export const gather: GpuKernel<GatherAttrs> = (gpu, [x], { index, axis }) => {
  const shape = index.shape;
  const strides = stridesOf(x!.shape);
  const others = offset(strides.map((s, d) => (d === axis ? 0 : s)));
  const body = `${coordinates(shape)}\n  out[i] = x0[${others} + u32(x1[i]) * ${strides[axis]}u];`;
  return perElement(gpu, [x!, indices(gpu, index)], sizeOf(shape), body, shape);
};

/** The adjoint of gather: out[…, j, …] = Σ of g over the positions whose index is j, in index order. */
export const scatterAdd: GpuKernel<ScatterAttrs> = (gpu, [g], { index, axis, shape }) => {
  const along = index.shape[axis]!;
  const gStrides = stridesOf(index.shape);
  const inside = index.shape
    .map((d, k) => (k === axis || d === shape[k] ? '' : `c${k} < ${d}u`))
    .filter((t) => t !== '');
  const at = `${offset(gStrides.map((s, d) => (d === axis ? 0 : s)))} + j * ${gStrides[axis]}u`;
  const body = `${coordinates(shape)}
  var sum = 0.0;
  if (${inside.length === 0 ? 'true' : inside.join(' && ')}) {
    for (var j = 0u; j < ${along}u; j++) {
      let at = ${at};
      if (u32(x1[at]) == c${axis}) { sum += x0[at]; }
    }
  }
  out[i] = sum;`;
  return perElement(gpu, [g!, indices(gpu, index)], sizeOf(shape), body, shape);
};
