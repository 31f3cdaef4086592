import { type DType, internal, Rng, Tensor } from '@adjoint/autograd';

const { describe } = internal;

// How the modules built in code (the blocks, and Linear from its sizes) make their parameters.

/** Where a block's initial parameters come from and their dtype. */
export interface BlockOptions {
  /** The generator its parameters are drawn from (share one across a model), or a seed for its own (default 0). */
  readonly rng?: Rng;
  readonly seed?: number;
  /** float64 (the default) or float32. */
  readonly dtype?: DType;
}

export function positive(op: string, name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new RangeError(`${op}: expected ${name} to be a positive integer, got ${describe(value)}`);
  return value as number;
}

export function generator(op: string, options: BlockOptions): Rng {
  if (options.rng !== undefined && !(options.rng instanceof Rng))
    throw new TypeError(`${op}: expected rng to be an Rng, got ${describe(options.rng)}`);
  return options.rng ?? new Rng(options.seed ?? 0);
}

/**
 * A tensor of `shape` in `dtype`, each number `fill` (a value, or a draw): a parameter (it requires grad)
 * when `trainable`, else a buffer.
 */
export function make(
  shape: number[],
  fill: number | (() => number),
  trainable: boolean,
  dtype: DType = 'float64',
): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const data = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = typeof fill === 'number' ? fill : fill();
  const t = new Tensor(data, shape);
  t.requiresGrad = trainable;
  return t;
}
