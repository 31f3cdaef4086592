// What every kernel's WGSL is built from: the bindings, one invocation per output element, the decoding
// of a flat index into coordinates, and offsets under broadcasting. Sizes, shapes and strides are written
// into the code as constants (a training step repeats its shapes, so each kernel compiles once).
import { sizeOf, stridesOf } from '../ndarray.js';
import type { Operand, WebGpuDevice } from './device.js';

/** Invocations per workgroup of the one-per-element kernels. */
const WORKGROUP = 64;

/**
 * `count` read-only inputs x0, x1, … and the output `out` bound after them; or, with `outputs` > 1,
 * the outputs out0, out1, … (a fused kernel's).
 */
export function bindings(count: number, outputs = 1): string {
  const inputs = Array.from(
    { length: count },
    (_, k) => `@group(0) @binding(${k}) var<storage, read> x${k}: array<f32>;`,
  );
  const out = Array.from(
    { length: outputs },
    (_, k) =>
      `@group(0) @binding(${count + k}) var<storage, read_write> out${outputs === 1 ? '' : k}: array<f32>;`,
  );
  return `${[...inputs, ...out].join('\n')}\n`;
}

/** WGSL lines that give the coordinates c0, c1, … of the flat index `index` in `shape` (row-major). */
export function coordinates(shape: readonly number[], index = 'i', prefix = 'c'): string {
  if (shape.length === 0) return '';
  const lines = [`var ${prefix}_rest = ${index};`];
  for (let d = shape.length - 1; d >= 0; d--) {
    lines.push(`let ${prefix}${d} = ${prefix}_rest % ${shape[d]}u;`);
    if (d > 0) lines.push(`${prefix}_rest = ${prefix}_rest / ${shape[d]}u;`);
  }
  return lines.join('\n  ');
}

/** Σ c_d · strides[d] over the coordinates `prefix`0… (terms of stride 0 left out; '0u' for none). */
export function offset(strides: readonly number[], prefix = 'c'): string {
  const terms = strides.flatMap((s, d) =>
    s === 0 ? [] : [s === 1 ? `${prefix}${d}` : `${prefix}${d} * ${s}u`],
  );
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/** The strides of `shape` read as broadcast to `target` (right-aligned; 0 along broadcast axes). */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = target.length - shape.length;
  return target.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : own[d - lead]!));
}

/** How an operand of `shape`, broadcast to `target`, is read at the flat index `i` of target: the WGSL index. */
function readAt(shape: readonly number[], target: readonly number[]): string {
  if (sizeOf(shape) === 1) return '0u';
  if (shape.length === target.length && shape.every((d, k) => d === target[k])) return 'i';
  return offset(broadcastStrides(shape, target));
}

/**
 * WGSL lines that read each input (of the shapes given, broadcast to `target`) at the flat index `i`
 * of target into v0, v1, …, after the coordinates of `i` where a broadcast read needs them.
 */
export function readInputs(shapes: readonly (readonly number[])[], target: readonly number[]): string[] {
  const reads = shapes.map((shape, k) => `let v${k} = x${k}[${readAt(shape, target)}];`);
  return reads.some((line) => /\bc\d/.test(line)) ? [coordinates(target), ...reads] : reads;
}

/**
 * Runs a kernel of `length` invocations, one per element of the output unless `outputs` says otherwise:
 * `body` (WGSL, with `i` the invocation's index and x0… the inputs) writes out[i]. Returns the output.
 */
export function perElement(
  gpu: WebGpuDevice,
  inputs: readonly Operand[],
  length: number,
  body: string,
  shape: readonly number[],
  /** The output's elements, where an invocation writes more than one (a row): `length` by default. */
  outputs = length,
) {
  const out = gpu.allocate(outputs);
  gpu.run(
    perInvocation(inputs.length, 1, length, body),
    inputs.map((x) => gpu.bufferOf(x.data)),
    [out.buffer],
    invocations(length),
  );
  return { data: out.data, shape };
}

/**
 * A kernel's WGSL: `inputs` inputs and `outputs` outputs bound, `length` invocations, each running `body`
 * with `i` its index; and the workgroups to dispatch it over.
 */
export function perInvocation(inputs: number, outputs: number, length: number, body: string): string {
  return `${bindings(inputs, outputs)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * ${WORKGROUP}u;
  if (i >= ${length}u) { return; }
  ${body}
}`;
}

/** The workgroups of a kernel of `length` invocations (perInvocation's). */
export function invocations(length: number): [number, number, number] {
  return spread(Math.ceil(length / WORKGROUP));
}

/** `count` workgroups as a grid within the per-axis limit: [x, y, 1] with x·y ≥ count. */
export function spread(count: number): [number, number, number] {
  if (count <= 65535) return [count, 1, 1];
  const y = Math.ceil(count / 65535);
  return [Math.ceil(count / y), y, 1];
}
