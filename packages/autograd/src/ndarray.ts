import { describe, formatShape, ShapeError } from './shape.js';

/** The element types a tensor can hold: 64-bit floats (the default) or 32-bit floats. */
export type DType = 'float32' | 'float64';

/** The storage of one dtype: Float64Array for float64, Float32Array for float32. */
export type Storage = Float32Array | Float64Array;

/** A nested array of numbers, as `tensor()` takes and `toArray()` gives. A number is rank 0. */
export type NestedArray = number | readonly NestedArray[];

/** A row-major contiguous n-d array: what the kernels read and write. */
export interface NDArray {
  readonly data: Storage;
  readonly shape: readonly number[];
}

/** The dtype a storage holds. */
export function dtypeOf(data: Storage): DType {
  return data instanceof Float32Array ? 'float32' : 'float64';
}

/** Zeros of `dtype`, new from the heap: what creation uses (a kernel's arrays come from run.ts' `allocate`). */
export function allocateFresh(dtype: DType, size: number): Storage {
  try {
    return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  } catch (error) {
    const bytes = size * (dtype === 'float32' ? 4 : 8);
    throw new RangeError(
      `cannot allocate ${size} ${dtype} elements (${bytes} bytes): ${(error as Error).message}`,
    );
  }
}

/** The most elements one tensor may hold: 2³² − 1, below the length limit of a typed array. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** The most axes a tensor may have, as NumPy's limit. */
export const MAX_RANK = 64;

/** The dtype of an op over these arrays: float32 when all are float32, otherwise float64 (nothing is narrowed). */
export function promote(...arrays: readonly NDArray[]): DType {
  for (const x of arrays) if (!(x.data instanceof Float32Array)) return 'float64';
  return 'float32';
}

/** The largest finite float32; a number beyond it (by more than half an ulp) rounds to ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The one rule of every narrowing to float32 (creation, `astype`, loading, an optimizer's step): a finite
 * number that would round to ±Infinity is a RangeError naming `what` and the element, not a silent
 * Infinity. Non-finite numbers pass: they are not made by the narrowing.
 */
export function checkFloat32(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Math.abs(v) > FLOAT32_MAX && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      throw new RangeError(`${what}: element ${i} (${v}) is beyond the range of float32`);
    }
  }
}

/** Checks a dtype given by a caller. */
export function checkDType(op: string, dtype: unknown): DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new TypeError(`${op}: expected dtype 'float32' or 'float64', got ${describe(dtype)}`);
  }
  return dtype;
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides: how far apart, in elements, two neighbours along each axis are. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** Checks a shape given by a caller: a list of non-negative integers. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: expected a shape (an array of sizes), got ${describe(shape)}`);
  for (const [i, d] of shape.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: expected sizes to be non-negative integers, got ${describe(d)} at axis ${i} of [${shape.map(String).join(', ')}]`,
      );
    }
  }
  if (shape.length > MAX_RANK)
    throw new ShapeError(`${op}: a shape of ${shape.length} axes; at most ${MAX_RANK} are allowed`);
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS)
    throw new RangeError(
      `${op}: shape [${shape.join(', ')}] holds ${size} elements; at most ${MAX_ELEMENTS} are allowed`,
    );
  return [...shape];
}

/**
 * NumPy broadcasting: shapes are aligned at their last axis, and each axis must be equal or 1.
 * Throws naming both shapes otherwise.
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (axis ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The strides that read an array of `shape` as if it had the larger `outShape`: 0 along broadcast axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : strides[i - offset]!));
}

/** An axis as a position in [0, ndim), counting negative axes from the end. */
export function normalizeAxis(op: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(
      `${op}: axis ${describe(axis)} is out of range for a tensor of rank ${ndim} (valid: ${-ndim} to ${ndim - 1})`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** A list of distinct axes (all of them when `axis` is undefined), sorted. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined,
  ndim: number,
): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const axes = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(axes).size !== axes.length)
    throw new RangeError(`${op}: axis ${JSON.stringify(axis)} repeats an axis`);
  return axes.sort((p, q) => p - q);
}

/** The shape after reducing `axes`: those axes become 1 with `keepDims`, and are dropped without it. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * @internal The key under which a Tensor hands its array to the engine. Its `.data` is the user's read,
 * which an interpreter may refuse (a traced tensor inside `compile`) or log; the engine's own reads are not.
 */
export const ENGINE_ARRAY: unique symbol = Symbol('adjoint.engineArray');

/**
 * @internal The key under which an array that lives on a device (run.ts' `Device`, not the CPU's memory)
 * names its device. Such an array passes as `Storage`, but reading its elements throws.
 */
export const ON_DEVICE: unique symbol = Symbol('adjoint.device');

/** The array of `x` as the engine reads it: a Tensor's own, never through its `.data` getter. */
export function arrayOf(x: NDArray): Storage {
  return (x as { readonly [ENGINE_ARRAY]?: Storage })[ENGINE_ARRAY] ?? x.data;
}

/** Whether `x` has the data and shape of an NDArray (a Tensor does). */
export function isNDArray(x: unknown): x is NDArray {
  if (typeof x !== 'object' || x === null || !Array.isArray((x as NDArray).shape)) return false;
  const data = arrayOf(x as NDArray);
  return data instanceof Float64Array || data instanceof Float32Array;
}

/** Nested arrays as a flat array and a shape; a ragged array is an error naming the bad row. */
export function fromNested(op: string, values: NestedArray): NDArray {
  const shape: number[] = [];
  for (let level: NestedArray = values; Array.isArray(level); level = (level as readonly NestedArray[])[0]!) {
    shape.push(level.length);
    if (level.length === 0) break;
    if (shape.length > MAX_RANK)
      throw new ShapeError(
        `${op}: the arrays are nested more than ${MAX_RANK} deep; a tensor has at most ${MAX_RANK} axes`,
      );
  }
  const data = allocateFresh(
    'float64',
    checkShape(op, shape).reduce((n, d) => n * d, 1),
  ) as Float64Array;
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

/** The elements of `x` as nested arrays (a number for rank 0), as `toArray()` gives them. */
export function toNested(x: NDArray): NestedArray {
  const build = (axis: number, offset: number): NestedArray => {
    if (axis === x.shape.length) return x.data[offset]!;
    const stride = sizeOf(x.shape.slice(axis + 1));
    return Array.from({ length: x.shape[axis]! }, (_, i) => build(axis + 1, offset + i * stride));
  };
  return build(0, 0);
}
