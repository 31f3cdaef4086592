import {
  arrayOf,
  checkShape,
  type DType,
  fromNested,
  isNDArray,
  type NDArray,
  type NestedArray,
  normalizeAxis,
  sizeOf,
} from './ndarray.js';
import { describe, formatShape, ShapeError, sameShape } from './shape.js';

// The checks of Tensor ops' arguments: each returns what the op needs, or throws an error naming the values.

/** How many elements a reduction over `axes` combines; reducing nothing is an error, not a silent NaN. */
export function countOver(op: string, shape: readonly number[], axes: readonly number[]): number {
  const count = axes.reduce((n, a) => n * shape[a]!, 1);
  if (count === 0)
    throw new ShapeError(
      `${op}: cannot reduce over 0 elements (shape ${formatShape(shape)}, axes [${axes.join(', ')}])`,
    );
  return count;
}

/** The target of a reshape, with its one -1 inferred; throws if the sizes differ. */
export function resolveReshape(from: readonly number[], shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`reshape: expected a shape, got ${describe(shape)}`);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`reshape: only one axis may be -1, got ${formatShape(shape)}`);
  const known = checkShape(
    'reshape',
    shape.map((d) => (d === -1 ? 1 : d)),
  );
  const size = sizeOf(from);
  const rest = sizeOf(known);
  const inferred = unknown === 1 && rest > 0 && size % rest === 0 ? size / rest : -1;
  const target = shape.map((d) => (d === -1 ? inferred : d));
  if (target.includes(-1) || sizeOf(target) !== size) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(from)} (${size} elements) into ${formatShape(shape)}`,
    );
  }
  return target;
}

/** The axes of a transpose as non-negative positions; throws unless they permute every axis once. */
export function checkPermutation(axes: readonly number[], ndim: number): number[] {
  const perm = Array.isArray(axes) ? axes.map((a) => normalizeAxis('transpose', a, ndim)) : [];
  if (perm.length !== ndim || new Set(perm).size !== ndim) {
    throw new RangeError(
      `transpose: expected a permutation of the ${ndim} axes, got ${JSON.stringify(axes)}`,
    );
  }
  return perm;
}

/** A slice position in [0, size], counting negative ones from the end. */
export function position(op: string, index: number, size: number): number {
  if (!Number.isInteger(index) || index < -size || index > size) {
    throw new RangeError(`${op}: position ${describe(index)} is out of range for an axis of size ${size}`);
  }
  return index < 0 ? index + size : index;
}

/** Validates gather indices: integers in range, with the rank of the input. */
export function checkIndex(op: string, index: unknown, shape: readonly number[], axis: number): NDArray {
  const array: NDArray = isNDArray(index) ? index : fromNested(op, index as NestedArray);
  if (array.shape.length !== shape.length) {
    throw new ShapeError(
      `${op}: the index has rank ${array.shape.length} (shape ${formatShape(array.shape)}), the input rank ${shape.length} (shape ${formatShape(shape)})`,
    );
  }
  array.shape.forEach((d, i) => {
    if (i !== axis && d > shape[i]!) {
      throw new ShapeError(
        `${op}: index shape ${formatShape(array.shape)} is larger than input shape ${formatShape(shape)} on axis ${i}`,
      );
    }
  });
  const size = shape[axis]!;
  for (const [i, v] of arrayOf(array).entries()) {
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      throw new RangeError(
        `${op}: index ${v} (element ${i} of the index) is out of range for axis ${axis} of size ${size}`,
      );
    }
  }
  return array;
}

/** What the seed checks read of a node: its shape, size and dtype. */
interface Shaped {
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
}

/**
 * Checks a seed given to `backward`: none or a number only for a one-element output (a number is never
 * broadcast), and a tensor of the output's shape and dtype.
 */
export function checkSeed(output: Shaped, seed: Shaped | number | undefined): void {
  if (typeof seed === 'object' && seed !== null) {
    checkSameKind('backward', seed, output, 'the seed', 'the output');
    return;
  }
  if (output.size !== 1) {
    const given = seed === undefined ? '' : `, and a number seed (${describe(seed)}) is not broadcast`;
    throw new ShapeError(
      `backward: expected a scalar loss, got shape ${formatShape(output.shape)}${given}; call .sum() or .mean() first, or pass a seed of that shape`,
    );
  }
}

/** Checks that `given` has the shape and dtype of `node` (a gradient or a seed). */
export function checkSameKind(op: string, given: Shaped, node: Shaped, what = '', of = ''): void {
  if (!sameShape(given.shape, node.shape)) {
    throw new ShapeError(
      what === ''
        ? `${op}: expected shape ${formatShape(node.shape)}, got ${formatShape(given.shape)}`
        : `${op}: ${what} has shape ${formatShape(given.shape)}, ${of} has ${formatShape(node.shape)}`,
    );
  }
  if (given.dtype !== node.dtype) {
    throw new TypeError(
      what === ''
        ? `${op}: expected dtype ${node.dtype}, got ${given.dtype}`
        : `${op}: ${what} is ${given.dtype}, ${of} is ${node.dtype}; cast it with astype()`,
    );
  }
}
