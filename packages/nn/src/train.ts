import { compile, internal, noGrad, Rng, ShapeError, Tensor, tensor, type Value } from '@adjoint/autograd';
import {
  type Callback,
  checkCallbacks,
  type EpochLogs,
  type HOOKS,
  type TrainingContext,
} from './callbacks.js';
import type { LossOf, Prediction, Target } from './losses.js';
import { accuracy } from './metrics.js';
import type { Model } from './model.js';

const { checkArity, checkOptions, closest, describe, formatShape } = internal;

/** Training data: a Tensor [N, …] (or nested numbers) of inputs and targets with N rows. */
export interface Dataset {
  readonly x: Tensor | readonly (readonly number[])[];
  readonly y: Tensor | readonly number[] | readonly (readonly number[])[];
}

/** Options of `fit`, for a model whose batch output is `Out` and whose targets are `Tgt` (see `Model`). */
export interface FitOptions<Out extends Prediction = Prediction, Tgt extends Target = Target> {
  /** (prediction, target) => scalar loss, such as `mse` or `softmaxCrossEntropy`. */
  readonly loss: (prediction: Out, target: Tgt) => LossOf<Out>;
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
  /**
   * Hold out the last fraction of `data` (in (0, 1)) as the validation set, before any shuffle, as Keras's
   * validation_split: rows from floor(N·(1 - split)) on. Not with `validation`.
   */
  readonly validationSplit?: number;
  /** Called after every epoch with its index and what it reports. */
  readonly onEpoch?: (epoch: number, logs: EpochLogs) => void;
  /** Called after every mini-batch with its running index and its loss. */
  readonly onBatch?: (batch: number, loss: number) => void;
  /** Hooks called as training goes (see `Callback`), in order, after onBatch and onEpoch; any may stop it. */
  readonly callbacks?: readonly Callback[];
  /**
   * Run each mini-batch's step (forward, loss, backward, update) as a compiled program (see `compile`):
   * the same numbers, bit for bit, with one trace per batch size. Tensor models only. Default false.
   */
  readonly compile?: boolean;
  /**
   * The epoch to start from (default 0), as Keras's initial_epoch: training runs epochs initialEpoch to
   * epochs - 1, with the shuffles and batch count those epochs would have had. With the model, the
   * optimizer (`loadStateDict`) and any schedule put back as they were after epoch initialEpoch - 1,
   * it continues an interrupted run bit for bit (dropout masks aside: a Dropout's generator is not saved).
   */
  readonly initialEpoch?: number;
}

/** The history: one entry per epoch of each quantity asked for. */
export interface History {
  readonly loss: number[];
  readonly accuracy?: number[];
  readonly valLoss?: number[];
  readonly valAccuracy?: number[];
  /** Present when a callback stopped training: the epoch it stopped in, and why. */
  readonly stopped?: { readonly epoch: number; readonly reason: string };
}

/**
 * [note 003](../../../docs/derivations.md)'s Algorithm 1: for every epoch, a seeded shuffle, then per mini-batch: zero the gradients,
 * forward, backward the batch's mean loss, update. The batches run in training mode and the epoch's
 * metrics in evaluation mode; the model is left in the mode it had. The same seed gives the same run, bit for bit.
 * Returns the mean training loss of every epoch (each batch weighted by its size), and the metrics.
 *
 * @example
 * {@includeCode ../doc-examples/fit.ts}
 */
export function fit<Out extends Prediction, Tgt extends Target>(
  model: Model<Out, Tgt>,
  data: Dataset,
  options: FitOptions<Out, Tgt>,
): History {
  const run = training(model, data, options);
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
  }
}

/** @internal fit's run: a generator that yields after every mini-batch (fit drains it; fitAsync spaces it out). */
export function* training<Out extends Prediction, Tgt extends Target>(
  model: Model<Out, Tgt>,
  data: Dataset,
  options: FitOptions<Out, Tgt>,
  op = 'fit',
): Generator<void, History> {
  checkOptions(op, options, FIT_OPTIONS);
  const { epochs, shuffle = true, seed = 0, metrics = [], threshold = 0.5 } = options;
  if (!Array.isArray(metrics))
    throw new TypeError(
      `fit: expected metrics to be an array of names (['accuracy']), got ${describe(metrics)}`,
    );
  for (const name of metrics as readonly unknown[]) {
    if (METRICS.includes(name as 'accuracy')) continue;
    const guess = typeof name === 'string' ? closest(name, METRICS) : undefined;
    throw new TypeError(
      `fit: unknown metric ${typeof name === 'string' ? `'${name}'` : describe(name)}${guess === undefined ? '' : `; did you mean '${guess}'?`} (metrics: ${METRICS.join(', ')})`,
    );
  }
  if (typeof options?.loss !== 'function')
    throw new TypeError(`fit: expected options.loss to be a function, got ${describe(options?.loss)}`);
  const optimizer = options.optimizer as Partial<FitOptions['optimizer']> | undefined;
  if (typeof optimizer?.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError(
      `fit: expected options.optimizer to have step() and zeroGrad(), got ${describe(optimizer)}`,
    );
  }
  if (options.compile !== undefined && typeof options.compile !== 'boolean')
    throw new TypeError(
      `fit: expected options.compile to be true or false, got ${describe(options.compile)}`,
    );
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new RangeError(`fit: epochs must be a positive integer, got ${describe(epochs)}`);
  const [train, validation] = splitSamples(asSamples(data, 'data'), options);
  const count = train.x.shape[0]!;
  const batchSize = options.batchSize ?? count;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError(`fit: batchSize must be a positive integer, got ${describe(batchSize)}`);
  const callbacks = checkCallbacks(options.callbacks ?? []);
  const rng = new Rng(seed);
  const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] } as Record<
    keyof EpochLogs,
    number[]
  >;
  let stopped: History['stopped'];
  let stopReason: string | null = null;
  const context: TrainingContext = {
    model,
    epochs,
    batches: Math.ceil(count / batchSize),
    logKeys: [
      'loss',
      ...(metrics.includes('accuracy') ? (['accuracy'] as const) : []),
      ...(validation === null ? [] : (['valLoss'] as const)),
      ...(validation !== null && metrics.includes('accuracy') ? (['valAccuracy'] as const) : []),
    ],
    stopTraining(reason: string) {
      if (typeof reason !== 'string')
        throw new TypeError(`stopTraining: expected the reason as a string, got ${describe(reason)}`);
      stopReason ??= reason;
    },
  };
  const call = <H extends (typeof HOOKS)[number]>(hook: H, ...args: Parameters<NonNullable<Callback[H]>>) => {
    for (const callback of callbacks)
      (callback[hook] as ((...a: unknown[]) => void) | undefined)?.call(callback, ...args);
  };
  // one mini-batch: zero the gradients, forward, backward the batch's mean loss, update
  const eagerStep = (x: Tensor, target: Tgt): Tensor | Value => {
    options.optimizer.zeroGrad();
    const value = options.loss(model.forwardBatch(x), target);
    value.backward();
    options.optimizer.step();
    return value;
  };
  if (options.compile === true && !model.parameters().every((p) => p instanceof Tensor))
    throw new TypeError(
      'fit: compile traces Tensor programs, and this model is made of Values (the scalar engine); leave compile out',
    );
  // compiled: traced once per batch size (a short last batch is a second program), then run as a program
  const step = options.compile === true ? compile(eagerStep) : eagerStep;
  const order = Array.from({ length: count }, (_, i) => i);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isSafeInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs)
    throw new RangeError(
      `fit: expected initialEpoch to be an integer in [0, ${epochs}), got ${describe(initialEpoch)}`,
    );
  // the epochs before initialEpoch: their shuffles drawn (the generator where they left it), their batches counted
  if (shuffle) for (let e = 0; e < initialEpoch; e++) rng.shuffle(order);
  let batchIndex = initialEpoch * Math.ceil(count / batchSize);
  const mode = model.training;
  try {
    call('onTrainBegin', context);
    for (let epoch = initialEpoch; epoch < epochs && stopped === undefined; epoch++) {
      model.train();
      call('onEpochBegin', epoch, context);
      yield* epochStep(epoch);
      if (stopReason !== null) stopped = { epoch, reason: stopReason };
    }
    model.train(mode);
    call('onTrainEnd', context);
  } finally {
    model.train(mode);
  }
  // only what was asked for: an empty series means it was not
  return {
    ...Object.fromEntries(Object.entries(history).filter(([, series]) => series.length > 0)),
    ...(stopped === undefined ? {} : { stopped }),
  } as unknown as History;

  function* epochStep(epoch: number): Generator<void> {
    if (shuffle) rng.shuffle(order);
    let total = 0;
    let seen = 0;
    for (let start = 0; start < count && stopReason === null; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      call('onBatchBegin', batchIndex, context);
      const l = scalar(step(takeRows(train.x, rows), model.targets(takeRows(train.y, rows))));
      total += l * rows.length;
      seen += rows.length;
      options.onBatch?.(batchIndex, l);
      call('onBatchEnd', batchIndex++, { loss: l }, context);
      yield;
    }
    // the epoch's metrics are the model's in evaluation mode: no dropout
    model.eval();
    const logs = noGrad(() => {
      // a stop mid-epoch: the loss of the batches that ran
      const out: { -readonly [K in keyof EpochLogs]: EpochLogs[K] } = { loss: total / seen };
      const wantsAccuracy = metrics.includes('accuracy');
      if (wantsAccuracy)
        out.accuracy = accuracy(model.forwardBatch(train.x), model.targets(train.y), { threshold });
      if (validation !== null) {
        const prediction = model.forwardBatch(validation.x);
        const target = model.targets(validation.y);
        out.valLoss = scalar(options.loss(prediction, target));
        if (wantsAccuracy) out.valAccuracy = accuracy(prediction, target, { threshold });
      }
      return out;
    });
    for (const [key, value] of Object.entries(logs)) history[key as keyof EpochLogs].push(value);
    options.onEpoch?.(epoch, logs);
    call('onEpochEnd', epoch, logs, context);
  }
}

/** The metrics `fit` reports. */
const METRICS = ['accuracy'] as const;

/** The keys of FitOptions. */
const FIT_OPTIONS = [
  'loss',
  'optimizer',
  'epochs',
  'batchSize',
  'shuffle',
  'seed',
  'metrics',
  'threshold',
  'validation',
  'validationSplit',
  'onEpoch',
  'onBatch',
  'callbacks',
  'compile',
  'initialEpoch',
] as const;

type Samples = { readonly x: Tensor; readonly y: Tensor };

/** The training rows and the validation rows: `validation`, or the last `validationSplit` of `data`. */
function splitSamples(data: Samples, options: FitOptions<never, never>): [Samples, Samples | null] {
  const { validation, validationSplit: split } = options;
  if (split === undefined)
    return [data, validation === undefined ? null : asSamples(validation, 'validation')];
  if (validation !== undefined) throw new TypeError('fit: give validation or validationSplit, not both');
  if (typeof split !== 'number' || !(split > 0 && split < 1))
    throw new RangeError(`fit: expected validationSplit to be in (0, 1), got ${describe(split)}`);
  const n = data.x.shape[0]!;
  const at = Math.floor(n * (1 - split));
  if (at === 0) throw new RangeError(`fit: validationSplit ${split} of ${n} samples leaves no training rows`);
  const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const part = (from: number, to: number) => ({
    x: takeRows(data.x, rows(from, to)),
    y: takeRows(data.y, rows(from, to)),
  });
  return [part(0, at), part(at, n)];
}

/** Checks a dataset and returns it as two Tensors with the same number of rows. */
function asSamples(data: Dataset, field: string): { readonly x: Tensor; readonly y: Tensor } {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`fit: expected ${field} to be { x, y }, got ${describe(data)}`);
  checkOptions(`fit (${field})`, data, ['x', 'y']);
  const x = data.x instanceof Tensor ? data.x : asTensor('fit', `${field}.x`, data.x);
  const y = data.y instanceof Tensor ? data.y : asTensor('fit', `${field}.y`, data.y);
  if (x.ndim >= 1 && x.shape[0] === 0)
    throw new RangeError(`fit: ${field} has no samples (${field}.x has shape ${formatShape(x.shape)})`);
  if (x.ndim < 1 || y.ndim < 1 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `fit: ${field}.x has shape ${formatShape(x.shape)} and ${field}.y ${formatShape(y.shape)}; they need the same number of rows`,
    );
  }
  return { x, y };
}

/** Nested numbers as a Tensor, with `tensor()`'s checks; the error names the field. */
function asTensor(op: string, field: string, values: unknown): Tensor {
  try {
    return tensor(values as number[]);
  } catch (error) {
    throw new TypeError(`${op}: ${field}: ${(error as Error).message.replace(/^tensor: /, '')}`);
  }
}

/**
 * The model's outputs for the rows of `x` ([N, inputs], as a Tensor or nested numbers), computed without
 * recording and in evaluation mode (no dropout; the model's mode is restored after), as a Tensor
 * [N, outputs] on either engine: what to call to use a trained model.
 *
 * @example
 * {@includeCode ../doc-examples/predict.ts}
 */
export function predict(model: Model, x: Tensor | readonly (readonly number[])[]): Tensor {
  // biome-ignore lint/complexity/noArguments: a caller without types may pass an options object it means
  checkArity('predict', arguments, ['model', 'x']);
  const inputs = x instanceof Tensor ? x : asTensor('predict', 'x', x).reshape([-1, (x[0] ?? []).length]);
  const mode = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const out = model.forwardBatch(inputs);
      return out instanceof Tensor
        ? out
        : tensor((out as readonly (readonly Value[])[]).map((row) => row.map((v) => v.data)));
    });
  } finally {
    model.train(mode);
  }
}

/**
 * The given rows of a tensor, copied (data, not graph).
 *
 * @example
 * {@includeCode ../doc-examples/take-rows.ts}
 */
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
