import { convert } from './kernels/loops.js';
import {
  allocateFresh,
  checkDType,
  checkShape,
  type DType,
  fromNested,
  type NestedArray,
  type Storage,
  sizeOf,
} from './ndarray.js';
import { oneHot as oneHotOf } from './ops/layout.js';
import { Rng } from './random.js';
import { created, deviceNamed } from './run.js';
import { checkOptions, describe, formatShape, ShapeError } from './shape.js';
import { Tensor } from './tensor.js';

/** What every creation function accepts. */
export interface TensorOptions {
  /** Make a leaf whose gradient `backward()` fills in. Default false. */
  readonly requiresGrad?: boolean;
  readonly label?: string;
  /** 'float64' (the default; float32 for a Float32Array given to `tensor`, or on a GPU) or 'float32'. */
  readonly dtype?: DType;
  /**
   * Where the values live: 'cpu' (the default) or 'webgpu', once `await webgpu()` has set it up. A GPU
   * holds float32 only: its default dtype, and asking it for float64 is an Error.
   */
  readonly device?: string;
}

/** Where random numbers come from: a seed, or an `Rng` to draw from (and advance). */
export type RandomSource = Rng | (TensorOptions & ({ readonly seed: number } | { readonly rng: Rng }));

/**
 * A tensor from nested arrays, a number (rank 0), or a Float64Array or Float32Array with `shape`
 * (copied). Ragged rows, non-finite numbers, numbers beyond float32's range for a float32 tensor, and a
 * shape that does not fit the data are errors.
 */
export function tensor(
  values: NestedArray | Storage | readonly number[],
  options: TensorOptions & { readonly shape?: readonly number[] } = {},
): Tensor {
  if (values instanceof Float64Array || values instanceof Float32Array) {
    const shape = checkShape('tensor', options.shape ?? [values.length]);
    if (sizeOf(shape) !== values.length) {
      throw new ShapeError(
        `tensor: shape ${formatShape(shape)} holds ${sizeOf(shape)} elements, the data has ${values.length}`,
      );
    }
    for (const [i, v] of values.entries()) {
      if (!Number.isFinite(v)) throw new TypeError(`tensor: element ${i} must be a finite number, got ${v}`);
    }
    const onCpu = (options.device ?? 'cpu') === 'cpu';
    const dtype = options.dtype ?? (values instanceof Float32Array || !onCpu ? 'float32' : 'float64');
    return leaf('tensor', values.slice(), shape, { ...options, dtype }, ['shape']);
  }
  const { data, shape } = fromNested('tensor', values as NestedArray);
  if (options.shape !== undefined) {
    const target = checkShape('tensor', options.shape);
    if (sizeOf(target) !== data.length) {
      throw new ShapeError(
        `tensor: shape ${formatShape(target)} holds ${sizeOf(target)} elements, the data has ${data.length}`,
      );
    }
    return leaf('tensor', data, target, options, ['shape']);
  }
  return leaf('tensor', data, shape, options, ['shape']);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  return filledLeaf('full', shape, value, options);
}

/** A tensor of `shape` filled with zeros. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filledLeaf('zeros', shape, 0, options);
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filledLeaf('ones', shape, 1, options);
}

function filledLeaf(op: string, shape: readonly number[], value: number, options: TensorOptions): Tensor {
  const checked = checkShape(op, shape);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${op}: expected a finite fill value, got ${describe(value)}`);
  }
  return leaf(op, allocateFresh('float64', sizeOf(checked)).fill(value), checked, options);
}

/** start, start + step, … below stop, as NumPy's arange; `arange(n)` counts 0 … n-1. */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  for (const [name, v] of [
    ['start', from],
    ['stop', to],
    ['step', step],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`arange: expected ${name} to be a finite number, got ${describe(v)}`);
  }
  if (step === 0) throw new RangeError('arange: step must not be 0');
  const count = Math.max(0, Math.ceil((to - from) / step));
  checkShape('arange', [count]);
  const data = allocateFresh('float64', count);
  for (let i = 0; i < count; i++) data[i] = from + i * step;
  return leaf('arange', data, [count], options);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const [rows, cols] = checkShape('eye', [n, m]) as [number, number];
  const data = allocateFresh('float64', rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) data[i * cols + i] = 1;
  return leaf('eye', data, [rows, cols], options);
}

/** Uniform samples in [0, 1), from a seed or an Rng. */
export function rand(shape: readonly number[], source: RandomSource): Tensor {
  return random('rand', shape, source, (rng) => rng.uniform());
}

/** Standard normal samples, from a seed or an Rng. */
export function randn(shape: readonly number[], source: RandomSource): Tensor {
  return random('randn', shape, source, (rng) => rng.normal());
}

function random(
  op: string,
  shape: readonly number[],
  source: RandomSource,
  draw: (rng: Rng) => number,
): Tensor {
  const checked = checkShape(op, shape);
  if (source === undefined || source === null || typeof source !== 'object') {
    throw new TypeError(
      `${op}: expected { seed } or an Rng (adjoint has no global random state), got ${describe(source)}`,
    );
  }
  if (!(source instanceof Rng)) checkOptions(op, source, [...TENSOR_OPTIONS, 'seed', 'rng']);
  const rng = source instanceof Rng ? source : 'rng' in source ? source.rng : new Rng(source.seed);
  const data = allocateFresh('float64', sizeOf(checked));
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return leaf(op, data, checked, source instanceof Rng ? {} : source, ['seed', 'rng']);
}

/** The options every creation function takes. */
const TENSOR_OPTIONS = ['requiresGrad', 'label', 'dtype', 'device'] as const;

function leaf(
  op: string,
  data: Storage,
  shape: readonly number[],
  options: TensorOptions,
  /** Keys the caller's options may have besides the TensorOptions: `shape` for tensor(), `seed`/`rng` for random ones. */
  more: readonly string[] = [],
): Tensor {
  checkOptions(op, options, [...TENSOR_OPTIONS, ...more]);
  const device = deviceNamed(op, options.device ?? 'cpu');
  const { requiresGrad = false, label = '', dtype = device === null ? 'float64' : 'float32' } = options;
  if (typeof requiresGrad !== 'boolean')
    throw new TypeError(`${op}: expected requiresGrad to be true or false, got ${describe(requiresGrad)}`);
  if (typeof label !== 'string')
    throw new TypeError(`${op}: expected label to be a string, got ${describe(label)}`);
  const stored = convert(data, checkDType(op, dtype), op);
  created(stored);
  const t = new Tensor(device === null ? stored : device.upload(stored, op), shape, undefined, label);
  t.requiresGrad = requiresGrad;
  return t;
}

/**
 * One-hot rows of class indices, as PyTorch's `F.one_hot` and JAX's `jax.nn.one_hot`: labels [N] give
 * [N, classes] (float64), row i 1 at column labels[i]. Every label must be an integer in [0, classes),
 * checked whenever the rows are made, inside a compiled program too; no gradient flows to the labels.
 */
export function oneHot(labels: Tensor, classes: number): Tensor {
  if (!(labels instanceof Tensor))
    throw new TypeError(`oneHot: expected labels to be a Tensor, got ${describe(labels)}`);
  return oneHotOf<Tensor>(labels, classes);
}
