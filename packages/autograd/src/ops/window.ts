import { windowCount } from '../kernels/window.js';
import { product } from '../rules/matmul.js';
import type { TensorNode } from '../rules/rule.js';
import { windowRules } from '../rules/window.js';
import { checkOptions, describe, formatShape, ShapeError } from '../shape.js';
import { reduce } from './reduce.js';

// Convolution and pooling as composites, PyTorch's layouts and semantics: unfold the windows into
// columns (rules/window.ts), then a matmul (convolution) or a reduction over each window (pooling).
// Their gradients come from those primitives, so grad(grad(…)) works through them.

/** A window option: one number for both axes, or an [h, w] pair. */
export type Pair = number | readonly [number, number];

/** Options of `conv2d`, as PyTorch's: each a number or an [h, w] pair; defaults 1, 0, 1 and 1 group. */
export interface Conv2dOptions {
  readonly stride?: Pair;
  readonly padding?: Pair;
  readonly dilation?: Pair;
  readonly groups?: number;
}

/** Options of the pools: the stride defaults to the kernel, the padding to 0. */
export interface PoolOptions {
  readonly stride?: Pair;
  readonly padding?: Pair;
}

function pair(op: string, name: string, value: unknown, min: number): [number, number] {
  const both = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(both) || both.length !== 2 || !both.every((v) => Number.isSafeInteger(v) && v >= min))
    throw new RangeError(
      `${op}: expected ${name} to be an integer ≥ ${min} or an [h, w] pair of them, got ${describe(value)}`,
    );
  return both as [number, number];
}

function image(op: string, x: { readonly shape: readonly number[] }): [number, number, number, number] {
  if (x.shape.length !== 4)
    throw new ShapeError(`${op}: expected input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  return x.shape as [number, number, number, number];
}

function outputSize(
  op: string,
  shape: readonly number[],
  w: {
    kernel: [number, number];
    stride: [number, number];
    padding: [number, number];
    dilation: [number, number];
  },
): [number, number] {
  const oh = windowCount(shape[2]!, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]);
  const ow = windowCount(shape[3]!, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
  if (oh < 1 || ow < 1)
    throw new ShapeError(
      `${op}: the output would be ${oh}×${ow}: input ${formatShape(shape)} is smaller than the kernel ${w.kernel.join('×')} (dilation ${w.dilation.join('×')}, padding ${w.padding.join('×')})`,
    );
  return [oh, ow];
}

/** x [N, C, H, W] convolved with weight [O, C / groups, kH, kW]: [N, O, H', W'] (cross-correlation, as PyTorch's). */
export function conv2d<T extends TensorNode<T>>(x: T, weight: T, options: Conv2dOptions = {}): T {
  checkOptions('conv2d', options, ['stride', 'padding', 'dilation', 'groups']);
  const [n, c] = image('conv2d', x);
  if (typeof (weight as { applyRule?: unknown } | null)?.applyRule !== 'function')
    throw new TypeError(`conv2d: expected weight to be a Tensor, got ${describe(weight)}`);
  if (weight.shape.length !== 4)
    throw new ShapeError(
      `conv2d: expected weight [O, C / groups, kH, kW], got ${weight?.shape ? `shape ${formatShape(weight.shape)}` : describe(weight)}`,
    );
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  // as PyTorch: a kernel, an output channel or an input channel of size 0 is refused, not summed to 0
  if (o < 1 || cg < 1 || kh < 1 || kw < 1)
    throw new ShapeError(
      `conv2d: weight ${formatShape(weight.shape)} has an empty axis; every axis needs size ≥ 1`,
    );
  const groups = options.groups ?? 1;
  if (!Number.isSafeInteger(groups) || groups < 1)
    throw new RangeError(`conv2d: expected groups to be an integer ≥ 1, got ${describe(groups)}`);
  if (cg * groups !== c)
    throw new ShapeError(
      `conv2d: input has ${c} channels, weight expects ${cg * groups} (weight ${formatShape(weight.shape)}, groups ${groups})`,
    );
  if (o % groups !== 0)
    throw new ShapeError(
      `conv2d: ${o} output channels do not split into ${groups} groups (weight ${formatShape(weight.shape)})`,
    );
  const window = {
    kernel: [kh, kw] as [number, number],
    stride: pair('conv2d', 'stride', options.stride ?? 1, 1),
    padding: pair('conv2d', 'padding', options.padding ?? 0, 0),
    dilation: pair('conv2d', 'dilation', options.dilation ?? 1, 1),
  };
  const [oh, ow] = outputSize('conv2d', x.shape, window);
  const columns = x.applyRule('unfold', windowRules.unfold, { ...window, fill: 0 }); // [N, C, kH·kW, L]
  const k = cg * kh * kw;
  // per group: weight [O/g, C/g·kH·kW] @ columns [C/g·kH·kW, L], batched over N and the groups
  const out = product(
    weight.reshape([groups, o / groups, k]),
    columns.reshape([n, groups, k, oh * ow]),
    'nn',
  );
  return out.reshape([n, o, oh, ow]);
}

function pool<T extends TensorNode<T>>(
  op: 'maxPool2d' | 'avgPool2d',
  x: T,
  kernel: Pair,
  options: PoolOptions,
): T {
  checkOptions(op, options, ['stride', 'padding']);
  const [n, c] = image(op, x);
  const window = {
    kernel: pair(op, 'kernel', kernel, 1),
    stride: pair(op, 'stride', options.stride ?? kernel, 1),
    padding: pair(op, 'padding', options.padding ?? 0, 0),
    dilation: [1, 1] as [number, number],
  };
  if (window.padding.some((p, i) => 2 * p > window.kernel[i]!))
    throw new RangeError(
      `${op}: padding ${window.padding.join('×')} is more than half the kernel ${window.kernel.join('×')}`,
    );
  const [oh, ow] = outputSize(op, x.shape, window);
  // max pooling is its own primitive: unfolding would copy every window to take one element of it
  if (op === 'maxPool2d') return x.applyRule('maxPool', windowRules.maxPool, window);
  const columns = x.applyRule('unfold', windowRules.unfold, { ...window, fill: 0 });
  return reduce('mean', columns, 2, false).reshape([n, c, oh, ow]);
}

/**
 * The maximum of each window; the gradient goes to the maximum, split evenly among tied maxima (PyTorch
 * gives it all to one of them). Padding is never a window's maximum: as PyTorch, it pads with −∞.
 */
export function maxPool2d<T extends TensorNode<T>>(x: T, kernel: Pair, options: PoolOptions = {}): T {
  return pool('maxPool2d', x, kernel, options);
}

/** The mean of each window, padding counted in it (PyTorch's default, count_include_pad). */
export function avgPool2d<T extends TensorNode<T>>(x: T, kernel: Pair, options: PoolOptions = {}): T {
  return pool('avgPool2d', x, kernel, options);
}

/** The axes from `startAxis` on merged into one: [N, C, H, W] → [N, C·H·W] by default. */
export function flatten<T extends TensorNode<T>>(x: T, startAxis = 1): T {
  const ndim = x.shape.length;
  if (!Number.isInteger(startAxis) || startAxis < -ndim || startAxis >= Math.max(ndim, 1))
    throw new RangeError(
      `flatten: startAxis ${describe(startAxis)} is out of range for a tensor of rank ${ndim}`,
    );
  const start = startAxis < 0 ? startAxis + ndim : startAxis;
  return x.reshape([...x.shape.slice(0, start), x.shape.slice(start).reduce((p, d) => p * d, 1)]);
}
