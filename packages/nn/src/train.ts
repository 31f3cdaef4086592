import {
  describe,
  formatShape,
  noGrad,
  Rng,
  ShapeError,
  Tensor,
  tensor,
  type Value,
} from '@adjoint/autograd';
import { accuracy } from './metrics';
import { MLP } from './scalar';

/** A model `fit` can train: a Tensor-engine module, or a scalar-engine MLP. */
export interface Trainable {
  /** The model's prediction for a batch (Tensor engine) or a sample (scalar engine). */
  forward(x: never): unknown;
  /** The parameters the optimizer updates. */
  parameters(): (Tensor | Value)[];
}

/** Training data: a Tensor [N, …] (or nested numbers) of inputs and targets with N rows. */
export interface Dataset {
  readonly x: Tensor | readonly (readonly number[])[];
  readonly y: Tensor | readonly number[] | readonly (readonly number[])[];
}

/** What one epoch reports. */
export interface EpochLogs {
  readonly loss: number;
  readonly accuracy?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

/** Options of `fit`. */
export interface FitOptions {
  /** (prediction, target) => scalar loss, such as `mse` or `softmaxCrossEntropy`. */
  readonly loss: (prediction: never, target: never) => Tensor | Value;
  /** What updates the parameters from their gradients: an `SGD`, `Adam` or `AdamW`. */
  readonly optimizer: {
    /** One update of every parameter. */
    step(): void;
    /** Forgets every parameter's gradient. */
    zeroGrad(): void;
  };
  readonly epochs: number;
  /** Samples per mini-batch; default all of them (full-batch gradient descent). */
  readonly batchSize?: number;
  /** Shuffle the samples before every epoch (default true), from `seed` (default 0). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Also report accuracy (with `threshold` for one output per sample; default 0.5). */
  readonly metrics?: readonly 'accuracy'[];
  readonly threshold?: number;
  readonly validation?: Dataset;
  /** Called after every epoch with its index and what it reports. */
  readonly onEpoch?: (epoch: number, logs: EpochLogs) => void;
  /** Called after every mini-batch with its running index and its loss. */
  readonly onBatch?: (batch: number, loss: number) => void;
}

/** The history: one entry per epoch of each quantity asked for. */
export interface History {
  readonly loss: number[];
  readonly accuracy?: number[];
  readonly valLoss?: number[];
  readonly valAccuracy?: number[];
}

/**
 * Algorithm 1 of seed 003: for every epoch, a seeded shuffle, then per mini-batch: zero the gradients,
 * forward, backward the batch's mean loss, update. The same seed gives the same run, bit for bit.
 * Returns the mean training loss of every epoch (each batch weighted by its size), and the metrics.
 */
export function fit(model: Trainable, data: Dataset, options: FitOptions): History {
  const { epochs, shuffle = true, seed = 0, metrics = [], threshold = 0.5 } = options;
  if (typeof options?.loss !== 'function')
    throw new TypeError(`fit: expected options.loss to be a function, got ${describe(options?.loss)}`);
  const optimizer = options.optimizer as Partial<FitOptions['optimizer']> | undefined;
  if (typeof optimizer?.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError(
      `fit: expected options.optimizer to have step() and zeroGrad(), got ${describe(optimizer)}`,
    );
  }
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new RangeError(`fit: epochs must be a positive integer, got ${describe(epochs)}`);
  const train = asSamples(model, data, 'data');
  const batchSize = options.batchSize ?? train.count;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError(`fit: batchSize must be a positive integer, got ${describe(batchSize)}`);
  const validation =
    options.validation === undefined ? null : asSamples(model, options.validation, 'validation');
  const rng = new Rng(seed);
  const loss = options.loss as (p: unknown, t: unknown) => Tensor | Value;
  const history: Required<History> = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  const order = Array.from({ length: train.count }, (_, i) => i);
  let batchIndex = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (shuffle) rng.shuffle(order);
    let total = 0;
    for (let start = 0; start < train.count; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      options.optimizer.zeroGrad();
      const [x, y] = train.take(rows);
      const value = loss(forward(model, x), y);
      value.backward();
      options.optimizer.step();
      const l = scalar(value);
      total += l * rows.length;
      options.onBatch?.(batchIndex++, l);
    }
    const logs = noGrad(() => {
      const out: { -readonly [K in keyof EpochLogs]: EpochLogs[K] } = { loss: total / train.count };
      const wantsAccuracy = metrics.includes('accuracy');
      if (wantsAccuracy)
        out.accuracy = accuracy(forward(model, train.x) as never, train.y as never, { threshold });
      if (validation !== null) {
        const prediction = forward(model, validation.x);
        out.valLoss = scalar(loss(prediction, validation.y));
        if (wantsAccuracy)
          out.valAccuracy = accuracy(prediction as never, validation.y as never, { threshold });
      }
      return out;
    });
    for (const [key, value] of Object.entries(logs)) history[key as keyof EpochLogs].push(value);
    options.onEpoch?.(epoch, logs);
  }
  // only what was asked for: an empty series means it was not
  return Object.fromEntries(
    Object.entries(history).filter(([, series]) => series.length > 0),
  ) as unknown as History;
}

interface Samples {
  readonly count: number;
  readonly x: unknown;
  readonly y: unknown;
  take(rows: readonly number[]): [unknown, unknown];
}

/** The data as the model's engine wants it: Tensors for a module, rows of numbers for a scalar MLP. */
function asSamples(model: Trainable, data: Dataset, field: string): Samples {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`fit: expected ${field} to be { x, y }, got ${describe(data)}`);
  const x = data.x instanceof Tensor ? data.x : asTensor(`${field}.x`, data.x);
  const yRaw = data.y instanceof Tensor ? data.y : asTensor(`${field}.y`, data.y);
  if (x.ndim < 1 || yRaw.ndim < 1 || x.shape[0] !== yRaw.shape[0]) {
    throw new ShapeError(
      `fit: ${field}.x has shape ${formatShape(x.shape)} and ${field}.y ${formatShape(yRaw.shape)}; they need the same number of rows`,
    );
  }
  const count = x.shape[0]!;
  if (model instanceof MLP) {
    // one output per sample becomes a row of one, so targets match the [N, outputs] Values
    const y = yRaw.ndim === 1 ? yRaw.reshape([count, 1]) : yRaw;
    const xs = rowsOf(x);
    const ys = rowsOf(y);
    return { count, x: xs, y: ys, take: (rows) => [rows.map((r) => xs[r]!), rows.map((r) => ys[r]!)] };
  }
  return { count, x, y: yRaw, take: (rows) => [takeRows(x, rows), takeRows(yRaw, rows)] };
}

function forward(model: Trainable, x: unknown): unknown {
  if (model instanceof MLP) return (x as number[][]).map((sample) => model.forward(sample));
  return (model.forward as (x: unknown) => unknown)(x);
}

function rowsOf(t: Tensor): number[][] {
  const width = t.size / t.shape[0]!;
  return Array.from({ length: t.shape[0]! }, (_, i) =>
    Array.from(t.data.subarray(i * width, (i + 1) * width)),
  );
}

/** Nested numbers as a Tensor, with `tensor()`'s checks; the error names the field. */
function asTensor(field: string, values: unknown): Tensor {
  try {
    return tensor(values as number[]);
  } catch (error) {
    throw new TypeError(`fit: ${field}: ${(error as Error).message.replace(/^tensor: /, '')}`);
  }
}

/** The given rows of a tensor, copied (data, not graph). */
export function takeRows(t: Tensor, rows: readonly number[]): Tensor {
  if (!(t instanceof Tensor) || t.ndim < 1)
    throw new TypeError(`takeRows: expected a Tensor of rank ≥ 1, got ${describe(t)}`);
  const count = t.shape[0]!;
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= count)
      throw new RangeError(`takeRows: row ${r} is out of range for a tensor of ${count} rows`);
  }
  const width = t.size / count;
  const out =
    t.data instanceof Float32Array
      ? new Float32Array(rows.length * width)
      : new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    out.set(t.data.subarray(r * width, (r + 1) * width), i * width);
  });
  return new Tensor(out, [rows.length, ...t.shape.slice(1)]);
}

function scalar(value: Tensor | Value): number {
  return value instanceof Tensor ? value.item() : value.data;
}
