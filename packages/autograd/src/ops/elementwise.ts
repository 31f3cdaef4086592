// The elementwise primitives as the seam runs them, made from the tables of rules/elementwise.ts: each
// op's loops compiled for its function alone (KERNELS), and what a fused loop makes of it. Adding an
// elementwise op is one entry there; its kernel, its fused loop and its Tensor rule follow from it.
import { select } from '../kernels/loops.js';
import { map, mapKernel, zipKernel } from '../kernels/pointwise.js';
import type { Storage } from '../ndarray.js';
import { broadcasting, sameAttrs } from '../rules/batching.js';
import {
  type BinaryName,
  binaryRules,
  type ComparisonName,
  comparisons,
  leakyReluRule,
  type UnaryName,
  unaryRules,
  whereRule,
} from '../rules/elementwise.js';
import type { Primitive, ScalarForward } from '../rules/rule.js';
import { duplicate } from '../run.js';

/** The batching of an op whose attribute is its output's broadcast shape. */
const overShape = broadcasting<readonly number[]>(
  (shape) => shape,
  (_shape, batched) => batched,
);

/** @internal Each elementwise op's loops, compiled for its function alone (see mapKernel). */
export const KERNELS = {
  unary: table(unaryRules, (rule: ScalarForward) => mapKernel(rule.forward, rule.source)),
  binary: table(binaryRules, (rule: ScalarForward) => zipKernel(rule.forward, rule.source)),
  comparison: table(comparisons, (rule: ScalarForward) => zipKernel(rule.forward, rule.source)),
};

/** The one-input elementwise primitives; the output has the input's shape. */
export const UNARY = table(unaryRules, (rule, name): Primitive<undefined> => {
  const kernel = KERNELS.unary[name];
  return {
    forward: ([x]) => ({ data: kernel(x!.data), shape: x!.shape }),
    loop: (_x, _attrs, out) => pointwise(rule, out.shape),
    batch: sameAttrs,
  };
});

/** The two-input elementwise primitives; their attribute is the broadcast shape of the output. */
export const BINARY = table(binaryRules, (rule, name) => zipPrimitive(rule, KERNELS.binary[name]));

/** The comparisons, as BINARY: 0/1 constants over the broadcast shape. */
export const COMPARISON = table(comparisons, (rule, name) => zipPrimitive(rule, KERNELS.comparison[name]));

/** where(a, cond, b) over the broadcast shape of the three. */
export const WHERE: Primitive<readonly number[]> = {
  forward: ([a, c, b], shape) => ({ data: select(c!, a!, b!, shape), shape }),
  loop: (_x, shape) => pointwise(whereRule, shape),
  batch: overShape,
};

/** leakyRelu, whose slope is its attribute. */
export const LEAKY_RELU: Primitive<number> = {
  forward: ([x], slope) => ({ data: map(x!.data, (v) => leakyReluRule.forward(v, slope)), shape: x!.shape }),
  loop: (_x, slope, out) => ({
    fn: (v: number) => leakyReluRule.forward(v, slope),
    // the slope as its float32 bits: the GPU's kernel reads it as written, rounded as the CPU's float32
    wgsl: leakyReluRule.wgsl.replaceAll('$1', `bitcast<f32>(${f32Bits(slope)}u)`),
    shape: out.shape,
  }),
  batch: sameAttrs,
};

/** A copy that shares no memory with its input: what a leaf's gradient stores. */
export const COPY: Primitive<undefined> = {
  forward: ([x]) => ({ data: duplicate(x!.data), shape: x!.shape }),
  copy: true,
  batch: sameAttrs,
};

function zipPrimitive(
  rule: ScalarForward,
  kernel: (a: { data: Storage; shape: readonly number[] }, b: typeof a, shape: readonly number[]) => Storage,
): Primitive<readonly number[]> {
  return {
    forward: ([a, b], shape) => ({ data: kernel(a!, b!, shape), shape }),
    loop: (_x, shape) => pointwise(rule, shape),
    batch: overShape,
  };
}

function pointwise(rule: ScalarForward, shape: readonly number[]) {
  return { fn: rule.forward, source: rule.source, wgsl: rule.wgsl, shape };
}

/** The bits of `v` rounded to float32. */
function f32Bits(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0]!;
}

function table<K extends string, R, F>(rules: Record<K, R>, make: (rule: R, name: K) => F): Record<K, F> {
  return Object.fromEntries(
    Object.entries<R>(rules).map(([name, rule]) => [name, make(rule, name as K)]),
  ) as Record<K, F>;
}

export type { BinaryName, ComparisonName, UnaryName };
