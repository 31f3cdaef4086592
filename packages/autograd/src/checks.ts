import type { MatmulVariant } from './linalg';
import { broadcastShapes, checkShape, type NDArray, normalizeAxis, sizeOf } from './ndarray';
import { describe, formatShape, ShapeError } from './shape';
import type { NestedArray, Tensor } from './tensor';

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

/** The output shape of a matmul variant: broadcast batch axes, then [m, n]; throws naming both shapes. */
export function matmulShape(a: Tensor, b: Tensor, variant: MatmulVariant): number[] {
  if (!isNDArray(b)) throw new TypeError(`matmul: expected a Tensor, got ${describe(b)}`);
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(
      `matmul: expected tensors of rank ≥ 2, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}; reshape a vector to [1, n] or [n, 1]`,
    );
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = variant === 'tn' ? [ac, ar] : [ar, ac];
  const [k2, n] = variant === 'nt' ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: expected [..., m, k] @ [..., k, n], got ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k} != ${k2})`,
    );
  }
  const batch = broadcastShapes('matmul (batch axes)', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return [...batch, m, n];
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
  for (const [i, v] of array.data.entries()) {
    if (!Number.isInteger(v) || v < 0 || v >= size) {
      throw new RangeError(
        `${op}: index ${v} (element ${i} of the index) is out of range for axis ${axis} of size ${size}`,
      );
    }
  }
  return array;
}

/** Whether `x` has the data and shape of an NDArray (a Tensor does). */
export function isNDArray(x: unknown): x is NDArray {
  return (
    typeof x === 'object' &&
    x !== null &&
    ((x as NDArray).data instanceof Float64Array || (x as NDArray).data instanceof Float32Array) &&
    Array.isArray((x as NDArray).shape)
  );
}

/** Nested arrays as a flat array and a shape; a ragged array is an error naming the bad row. */
export function fromNested(op: string, values: NestedArray): NDArray {
  const shape: number[] = [];
  for (let level: NestedArray = values; Array.isArray(level); level = (level as readonly NestedArray[])[0]!) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const data = new Float64Array(sizeOf(shape));
  let at = 0;
  const walk = (node: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node)) {
        throw new TypeError(
          `${op}: element [${path.join(', ')}] must be a finite number, got ${describe(node)}`,
        );
      }
      data[at++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const got = Array.isArray(node) ? `length ${node.length}` : describe(node);
      throw new ShapeError(
        `${op}: ragged nested array: row [${path.join(', ')}] has ${got}, expected length ${shape[depth]}`,
      );
    }
    for (const [i, child] of node.entries()) walk(child, depth + 1, [...path, i]);
  };
  walk(values, 0, []);
  return { data, shape };
}
