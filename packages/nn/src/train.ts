import { compile, internal, noGrad, Rng, ShapeError, Tensor, tensor, type Value } from '@adjoint/autograd';
import {
  type Callback,
  checkCallbacks,
  type EpochLogs,
  type HOOKS,
  type TrainingContext,
} from './callbacks.js';
import { Dataset } from './dataset.js';
import type { LossOf, Prediction, Target } from './losses.js';
import { accuracy } from './metrics.js';
import type { Model } from './model.js';

const { checkArity, checkOptions, closest, describe, formatShape } = internal;

/** Training data in memory: a Tensor [N, …] (or nested numbers) of inputs and targets with N rows. */
export interface Samples {
  readonly x: Tensor | readonly (readonly number[])[];
  readonly y: Tensor | readonly number[] | readonly (readonly number[])[];
}

/**
 * A mini-batch as a `Dataset` hands it to `fit`: inputs and targets with the same rows (Tensors or nested
 * numbers), and optionally a weight per row, as Keras's (x, y, sample_weight).
 */
export interface Batch {
  readonly x: Tensor | readonly (readonly number[])[];
  readonly y: Tensor | readonly number[] | readonly (readonly number[])[];
  readonly sampleWeight?: Tensor | readonly number[];
}

/** What `fit` trains on: samples in memory, or a `Dataset` of batches streamed once per epoch. */
export type TrainingData = Samples | Dataset<Batch>;

/** What `fit` hands a loss besides the prediction and target when samples are weighted (see `Weighted`). */
export interface LossOptions {
  readonly sampleWeight?: Tensor;
}

/** Options of `fit`, for a model whose batch output is `Out` and whose targets are `Tgt` (see `Model`). */
export interface FitOptions<Out extends Prediction = Prediction, Tgt extends Target = Target> {
  /**
   * (prediction, target) => scalar loss, such as `mse` or `softmaxCrossEntropy`. With `sampleWeight` or
   * `classWeight`, fit passes the batch's weights as a third argument, `{ sampleWeight }`; the losses of
   * this package take it, and a loss of yours must read it (fit checks, so weights are never dropped).
   */
  readonly loss: (prediction: Out, target: Tgt, options?: LossOptions) => LossOf<Out>;
  /** What updates the parameters from their gradients: an `SGD`, `Adam` or `AdamW`. */
  readonly optimizer: {
    /** One update of every parameter. */
    step(): void;
    /** Forgets every parameter's gradient. */
    zeroGrad(): void;
  };
  readonly epochs: number;
  /** Samples per mini-batch; default all of them (full-batch gradient descent). Not with a Dataset. */
  readonly batchSize?: number;
  /** Shuffle the samples before every epoch (default true), from `seed` (default 0). Not with a Dataset. */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /**
   * Also report accuracy (with `threshold` for one output per sample; default 0.5). With samples in
   * memory it is the model's after each epoch, in evaluation mode; with a Dataset, which may not be read
   * twice, it is the running accuracy of the epoch's batches as they trained (Keras's).
   */
  readonly metrics?: readonly 'accuracy'[];
  readonly threshold?: number;
  /** Data the model does not train on, scored after every epoch: samples, or a finite Dataset of batches. */
  readonly validation?: Samples | Dataset<Batch>;
  /**
   * Hold out the last fraction of `data` (in (0, 1)) as the validation set, before any shuffle, as Keras's
   * validation_split: rows from floor(N·(1 - split)) on. Not with `validation`, nor with a Dataset.
   */
  readonly validationSplit?: number;
  /**
   * A weight ≥ 0 per training sample (N of them, in the rows' order; with validationSplit, those of the
   * training rows are used), multiplying its loss, as Keras's sample_weight. With a Dataset, batches
   * carry their own `sampleWeight`.
   */
  readonly sampleWeight?: Tensor | readonly number[];
  /**
   * A weight ≥ 0 per class, by class index (an array, or an object { [class]: weight } naming every class
   * that occurs), multiplying the loss of each sample of that class, as Keras's class_weight: the class
   * of a sample is its label (class indices, 0/1 targets) or the index of its one-hot target's 1. With
   * `sampleWeight` too, a sample's weight is the product. Training only: the validation loss is not weighted.
   */
  readonly classWeight?: readonly number[] | Readonly<Record<number, number>>;
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
   * it continues an interrupted run bit for bit (a Dropout's generator is saved with the model; the
   * optimizer's and schedules' states with `loadTrainingState`, or `modelCheckpoint`'s `optimizer`).
   * A Dataset's own shuffle is not replayed: it continues from wherever its generator is.
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
 * The data are samples in memory, or a synchronous `Dataset` of batches, read once per epoch (an
 * asynchronous one, such as a fetched CSV, trains with `fitAsync`).
 *
 * @example
 * {@includeCode ../doc-examples/fit.ts}
 */
export function fit<Out extends Prediction, Tgt extends Target>(
  model: Model<Out, Tgt>,
  data: TrainingData,
  options: FitOptions<Out, Tgt>,
): History {
  const run = training(model, data, options);
  for (let next = run.next(); ; next = run.next()) if (next.done) return next.value;
}

/**
 * @internal What the training generator yields: nothing (a batch is done; fitAsync may let the event loop
 * in), or a promise the driver must settle and send back (an asynchronous Dataset's next batch).
 */
export type TrainingYield = undefined | Promise<unknown>;

/** @internal fit's run: a generator that yields after every mini-batch (fit drains it; fitAsync spaces it out). */
export function* training<Out extends Prediction, Tgt extends Target>(
  model: Model<Out, Tgt>,
  data: TrainingData,
  options: FitOptions<Out, Tgt>,
  op: 'fit' | 'fitAsync' = 'fit',
): Generator<TrainingYield, History, unknown> {
  checkOptions(op, options, FIT_OPTIONS);
  const { epochs, shuffle = true, seed = 0, metrics = [], threshold = 0.5 } = options;
  if (!Array.isArray(metrics))
    throw new TypeError(
      `${op}: expected metrics to be an array of names (['accuracy']), got ${describe(metrics)}`,
    );
  for (const name of metrics as readonly unknown[]) {
    if (METRICS.includes(name as 'accuracy')) continue;
    const guess = typeof name === 'string' ? closest(name, METRICS) : undefined;
    throw new TypeError(
      `${op}: unknown metric ${typeof name === 'string' ? `'${name}'` : describe(name)}${guess === undefined ? '' : `; did you mean '${guess}'?`} (metrics: ${METRICS.join(', ')})`,
    );
  }
  if (typeof options?.loss !== 'function')
    throw new TypeError(`${op}: expected options.loss to be a function, got ${describe(options?.loss)}`);
  const optimizer = options.optimizer as Partial<FitOptions['optimizer']> | undefined;
  if (typeof optimizer?.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError(
      `${op}: expected options.optimizer to have step() and zeroGrad(), got ${describe(optimizer)}`,
    );
  }
  if (options.compile !== undefined && typeof options.compile !== 'boolean')
    throw new TypeError(
      `${op}: expected options.compile to be true or false, got ${describe(options.compile)}`,
    );
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new RangeError(`${op}: epochs must be a positive integer, got ${describe(epochs)}`);
  const stream = data instanceof Dataset ? (data as Dataset<Batch>) : null;
  if (stream !== null) {
    for (const key of ['batchSize', 'shuffle', 'seed', 'validationSplit', 'sampleWeight'] as const)
      if (options[key] !== undefined)
        throw new TypeError(`${op}: ${key} is for samples in memory; ${STREAM_INSTEAD[key]}`);
  } else if (isIterable(data))
    throw new TypeError(
      `${op}: expected data as { x, y } or a Dataset, got ${describe(data)}; make a Dataset of batches with Dataset.from(…)`,
    );
  const samples = stream === null ? asSamples(op, data as Samples, 'data') : null;
  const [train, validation] = samples === null ? [null, null] : splitSamples(op, samples, options);
  const validationStream =
    options.validation instanceof Dataset ? (options.validation as Dataset<Batch>) : null;
  const classWeight = options.classWeight === undefined ? null : checkClassWeight(op, options.classWeight);
  const count = train?.x.shape[0] ?? 0;
  const batchSize = options.batchSize ?? count;
  if (stream === null && (!Number.isSafeInteger(batchSize) || batchSize < 1))
    throw new RangeError(`${op}: batchSize must be a positive integer, got ${describe(batchSize)}`);
  // every training row's weight, when rows are weighted: sampleWeight times its class's weight (the
  // weights are given for all of data's rows; validationSplit trains on the first `count`)
  const allWeights = samples === null ? null : weightsOf(op, samples, options.sampleWeight, classWeight);
  const rowWeights =
    allWeights === null || allWeights.shape[0] === count
      ? allWeights
      : takeRows(
          allWeights,
          Array.from({ length: count }, (_, i) => i),
        );
  const callbacks = checkCallbacks(options.callbacks ?? []);
  const rng = new Rng(seed);
  const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] } as Record<
    keyof EpochLogs,
    number[]
  >;
  const wantsAccuracy = metrics.includes('accuracy');
  const validates = validation !== null || validationStream !== null;
  let stopped: History['stopped'];
  let stopReason: string | null = null;
  const context: TrainingContext = {
    model,
    epochs,
    batches: stream === null ? Math.ceil(count / batchSize) : null,
    logKeys: [
      'loss',
      ...(wantsAccuracy ? (['accuracy'] as const) : []),
      ...(validates ? (['valLoss'] as const) : []),
      ...(validates && wantsAccuracy ? (['valAccuracy'] as const) : []),
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
  // a streamed epoch's accuracy is the running one: its step hands back the prediction too
  const keepPrediction = stream !== null && wantsAccuracy;
  // one mini-batch: zero the gradients, forward, backward the batch's mean loss, update; eagerly, with a
  // yield between the phases, so fitAsync can let the page in within a long batch (the first one, while
  // the engine's code warms up and the optimizer makes its state, is several batches long)
  function* phases(x: Tensor, target: Tgt, weights?: Tensor): Generator<TrainingYield, StepResult, unknown> {
    options.optimizer.zeroGrad();
    const prediction = model.forwardBatch(x);
    const value =
      weights === undefined ? options.loss(prediction, target) : weightedLoss(prediction, target, weights);
    yield;
    value.backward();
    yield;
    options.optimizer.step();
    return keepPrediction ? [value, prediction] : value;
  }
  const eagerStep = (x: Tensor, target: Tgt, weights?: Tensor): StepResult => {
    const run = phases(x, target, weights);
    for (let next = run.next(); ; next = run.next()) if (next.done) return next.value;
  };
  const weightedLoss = (prediction: Out, target: Tgt, weights: Tensor) => {
    let read = false;
    const value = options.loss(prediction, target, {
      get sampleWeight() {
        read = true;
        return weights;
      },
    });
    if (!read)
      throw new TypeError(
        `${op}: the samples are weighted (${options.classWeight !== undefined ? 'classWeight' : 'sampleWeight'}), but options.loss did not read the weights fit passed it; use a loss of @adjoint/nn or pass its third argument on, as (p, t, o) => mse(p, t, { ...o, reduction: 'halfMean' })`,
      );
    return value;
  };
  if (options.compile === true && !model.parameters().every((p) => p instanceof Tensor))
    throw new TypeError(
      `${op}: compile traces Tensor programs, and this model is made of Values (the scalar engine); leave compile out`,
    );
  // compiled: traced once per batch size (a short last batch is a second program), then run as a program
  const compiled = options.compile === true;
  const plainStep = compiled ? compile((x: Tensor, t: Tgt) => eagerStep(x, t)) : null;
  const weightedStep = compiled ? compile((x: Tensor, t: Tgt, w: Tensor) => eagerStep(x, t, w)) : null;
  const order = Array.from({ length: count }, (_, i) => i);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isSafeInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs)
    throw new RangeError(
      `${op}: expected initialEpoch to be an integer in [0, ${epochs}), got ${describe(initialEpoch)}`,
    );
  // the epochs before initialEpoch: their shuffles drawn (the generator where they left it), their batches counted
  if (shuffle && stream === null) for (let e = 0; e < initialEpoch; e++) rng.shuffle(order);
  let batchIndex = initialEpoch * (context.batches ?? 0);
  // a stream's batches must all have the first one's trailing shapes
  let firstShapes: { x: readonly number[]; y: readonly number[] } | null = null;
  const mode = model.training;
  try {
    call('onTrainBegin', context);
    // the checks and set-up are done: fitAsync lets the event loop in before the first batch
    yield;
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
  // only what was asked for (the loss always, empty when a stop came before the first batch)
  return {
    loss: history.loss,
    ...Object.fromEntries(Object.entries(history).filter(([, series]) => series.length > 0)),
    ...(stopped === undefined ? {} : { stopped }),
  } as unknown as History;

  function* epochStep(epoch: number): Generator<TrainingYield, void, unknown> {
    let total = 0;
    let seen = 0;
    let right = 0;
    const batches = stream === null ? memoryBatches() : streamBatches(stream, epoch, 'data');
    try {
      while (stopReason === null) {
        const next = (yield* pull(batches)) as IteratorResult<WeightedBatch>;
        if (next.done) break;
        const { x, y, weights } = next.value;
        const rows = x.shape[0]!;
        call('onBatchBegin', batchIndex, context);
        // a stop asked for before the batch began: the batch does not run
        if (stopReason !== null) break;
        const target = model.targets(y);
        const result =
          plainStep === null
            ? yield* phases(x, target, weights ?? undefined)
            : weights === null
              ? plainStep(x, target)
              : weightedStep!(x, target, weights);
        const [value, prediction] = keepPrediction
          ? (result as [Tensor | Value, Out])
          : [result as Tensor | Value];
        const l = scalar(value);
        total += l * rows;
        seen += rows;
        if (prediction !== undefined) right += accuracy(prediction, target, { threshold }) * rows;
        options.onBatch?.(batchIndex, l);
        call('onBatchEnd', batchIndex++, { loss: l }, context);
        yield;
      }
    } finally {
      yield* close(batches);
    }
    // stopped before the epoch's first batch: the epoch did not happen
    if (seen === 0 && stopReason !== null) return;
    if (seen === 0)
      throw new RangeError(
        `${op}: the Dataset gave no batches in epoch ${epoch}; a generator object runs once: give Dataset.from a function that makes one`,
      );
    // the epoch's metrics are the model's in evaluation mode (no dropout), scored a chunk of rows at a
    // time with a yield after each, so fitAsync lets the page in during a large evaluation too
    model.eval();
    // a stop mid-epoch: the loss of the batches that ran
    const logs: { -readonly [K in keyof EpochLogs]: EpochLogs[K] } = { loss: total / seen };
    if (wantsAccuracy)
      logs.accuracy =
        stream === null ? (yield* score(chunks(train!), false, epoch, 'data')).accuracy : right / seen;
    const held =
      validation !== null
        ? chunks(validation)
        : validationStream !== null
          ? streamBatches(validationStream, epoch, 'validation')
          : null;
    if (held !== null) {
      const scored = yield* score(held, true, epoch, 'validation');
      logs.valLoss = scored.loss;
      if (wantsAccuracy) logs.valAccuracy = scored.accuracy;
    }
    for (const [key, value] of Object.entries(logs)) history[key as keyof EpochLogs].push(value);
    options.onEpoch?.(epoch, logs);
    call('onEpochEnd', epoch, logs, context);
  }

  /**
   * The mean loss (when asked) and the accuracy (when asked for) of the model over `batches`, in evaluation
   * mode and without recording. One batch's numbers are its own, bit for bit; over several, the mean of
   * their means weighted by their rows.
   */
  function* score(
    batches: Iterator<WeightedBatch> | AsyncIterator<WeightedBatch>,
    wantsLoss: boolean,
    epoch: number,
    field: 'data' | 'validation',
  ): Generator<TrainingYield, { loss: number; accuracy: number }, unknown> {
    const losses: [number, number][] = [];
    let [right, rows] = [0, 0];
    try {
      for (;;) {
        const next = (yield* pull(batches)) as IteratorResult<WeightedBatch>;
        if (next.done) break;
        const { x, y, weights } = next.value;
        const n = x.shape[0]!;
        noGrad(() => {
          const prediction = model.forwardBatch(x);
          const target = model.targets(y);
          if (wantsLoss)
            losses.push([
              scalar(
                weights === null
                  ? options.loss(prediction, target)
                  : weightedLoss(prediction, target, weights),
              ),
              n,
            ]);
          // the count of right answers, exactly
          if (wantsAccuracy) right += Math.round(accuracy(prediction, target, { threshold }) * n);
        });
        rows += n;
        yield;
      }
    } finally {
      yield* close(batches);
    }
    if (rows === 0)
      throw new RangeError(
        `${op}: the ${field === 'data' ? '' : 'validation '}Dataset gave no batches in epoch ${epoch}`,
      );
    const loss = losses.length === 1 ? losses[0]![0] : losses.reduce((sum, [l, n]) => sum + l * n, 0) / rows;
    return { loss, accuracy: right / rows };
  }

  /** Samples in memory, a chunk of rows at a time in order, for scoring: fit's batch size, or 256 rows. */
  function* chunks(samples: TensorSamples): Generator<WeightedBatch> {
    const total = samples.x.shape[0]!;
    const size = stream === null ? batchSize : 256;
    if (size >= total) {
      yield { x: samples.x, y: samples.y, weights: null };
      return;
    }
    for (let start = 0; start < total; start += size) {
      const rows = Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i);
      yield { x: takeRows(samples.x, rows), y: takeRows(samples.y, rows), weights: null };
    }
  }

  /** This epoch's mini-batches of the samples in memory, in a fresh shuffle. */
  function* memoryBatches(): Generator<WeightedBatch> {
    if (shuffle) rng.shuffle(order);
    for (let start = 0; start < count; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      yield {
        x: takeRows(train!.x, rows),
        y: takeRows(train!.y, rows),
        weights: rowWeights === null ? null : takeRows(rowWeights, rows),
      };
    }
  }

  /** One pass over a Dataset of batches, each checked and weighted; async under fitAsync. */
  function streamBatches(
    dataset: Dataset<Batch>,
    epoch: number,
    field: 'data' | 'validation',
  ): Iterator<WeightedBatch> | AsyncIterator<WeightedBatch> {
    const source = op === 'fitAsync' ? dataset[Symbol.asyncIterator]() : dataset[Symbol.iterator]();
    let index = 0;
    const check = (next: IteratorResult<Batch>): IteratorResult<WeightedBatch> =>
      next.done ? next : { done: false, value: checkBatch(next.value, epoch, index++, field) };
    return {
      next: () => {
        const next = source.next();
        return next instanceof Promise ? next.then(check) : check(next);
      },
      return: () => source.return?.() ?? { done: true, value: undefined },
    } as Iterator<WeightedBatch> | AsyncIterator<WeightedBatch>;
  }

  /** A streamed batch as Tensors, its shapes checked against the first batch's, with its rows' weights. */
  function checkBatch(
    batch: Batch,
    epoch: number,
    index: number,
    field: 'data' | 'validation',
  ): WeightedBatch {
    const where = `${op}: ${field === 'data' ? '' : 'validation '}batch ${index} of epoch ${epoch}`;
    if (typeof batch !== 'object' || batch === null || batch instanceof Tensor || Array.isArray(batch))
      throw new TypeError(`${where} is ${describe(batch)}, not { x, y } (batch samples with Dataset.batch)`);
    checkOptions(where, batch, ['x', 'y', 'sampleWeight']);
    const { x, y } = asSamples(op, batch, `${field} batch ${index}`);
    if (firstShapes === null) firstShapes = { x: x.shape.slice(1), y: y.shape.slice(1) };
    for (const [name, t] of [
      ['x', x],
      ['y', y],
    ] as const) {
      const trailing = t.shape.slice(1);
      const first = firstShapes[name];
      if (trailing.length !== first.length || trailing.some((d, i) => d !== first[i]))
        throw new ShapeError(
          `${where}: ${name} has shape ${formatShape(t.shape)}, and the first batch's rows are ${formatShape(first)}; every batch's rows need one shape (this batch did not train)`,
        );
    }
    const weights =
      field === 'data'
        ? weightsOf(op, { x, y }, batch.sampleWeight, classWeight, `${field} batch ${index}`)
        : batch.sampleWeight === undefined
          ? null
          : weightsOf(op, { x, y }, batch.sampleWeight, null, `${field} batch ${index}`);
    return { x, y, weights };
  }
}

type StepResult = Tensor | Value | [Tensor | Value, unknown];

/** A mini-batch ready to train on: Tensors, and its rows' weights (null: unweighted). */
interface WeightedBatch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly weights: Tensor | null;
}

/** What to use instead of an option that is for samples in memory, when the data are a Dataset. */
const STREAM_INSTEAD = {
  batchSize: 'batch the Dataset (dataset.batch(32))',
  shuffle: "shuffle the Dataset (dataset.shuffle(bufferSize, { seed })), or don't",
  seed: 'the Dataset shuffles from its own seed (dataset.shuffle(bufferSize, { seed }))',
  validationSplit: 'give validation data (samples or a Dataset) instead',
  sampleWeight: "let the Dataset's batches carry them: { x, y, sampleWeight }",
} as const;

/** The next item of an iterator that may be asynchronous: a promise is yielded for the driver to settle. */
function* pull<T>(it: Iterator<T> | AsyncIterator<T>): Generator<TrainingYield, IteratorResult<T>, unknown> {
  const next = it.next();
  return (next instanceof Promise ? yield next : next) as IteratorResult<T>;
}

/** Closes an iterator (a file or a fetch stays open otherwise), awaiting an asynchronous one's close. */
function* close(it: Iterator<unknown> | AsyncIterator<unknown>): Generator<TrainingYield, void, unknown> {
  const done = it.return?.();
  if (done instanceof Promise) yield done;
}

function isIterable(x: unknown): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    !('x' in x) &&
    (Symbol.iterator in x ||
      Symbol.asyncIterator in x ||
      typeof (x as { next?: unknown }).next === 'function')
  );
}

/** classWeight checked: weights finite and ≥ 0, keyed by class indices. */
function checkClassWeight(op: string, weights: unknown): ReadonlyMap<number, number> {
  if (typeof weights !== 'object' || weights === null)
    throw new TypeError(
      `${op}: expected classWeight as an array or { [class]: weight }, got ${describe(weights)}`,
    );
  const out = new Map<number, number>();
  for (const [key, w] of Object.entries(weights)) {
    const k = Number(key);
    if (!Number.isSafeInteger(k) || k < 0)
      throw new TypeError(`${op}: classWeight key ${JSON.stringify(key)} is not a class index`);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new RangeError(`${op}: classWeight[${key}] must be a finite number ≥ 0, got ${describe(w)}`);
    out.set(k, w);
  }
  return out;
}

/** The rows' weights of `samples` (null: none), from sampleWeight and classWeight; `where` names them. */
function weightsOf(
  op: string,
  samples: Samples & { readonly x: Tensor; readonly y: Tensor },
  sampleWeight: Tensor | readonly number[] | undefined,
  classWeight: ReadonlyMap<number, number> | null,
  where = 'data',
): Tensor | null {
  if (sampleWeight === undefined && classWeight === null) return null;
  const n = samples.x.shape[0]!;
  const weights = new Float64Array(n).fill(1);
  if (sampleWeight !== undefined) {
    const w =
      sampleWeight instanceof Tensor ? sampleWeight : Array.isArray(sampleWeight) ? sampleWeight : null;
    const length = w instanceof Tensor ? (w.ndim === 1 ? w.shape[0] : -1) : w?.length;
    if (w === null || length !== n)
      throw new ShapeError(
        `${op}: sampleWeight needs one number per sample of ${where} (${n}), got ${w instanceof Tensor ? `shape ${formatShape(w.shape)}` : Array.isArray(w) ? w.length : describe(sampleWeight)}`,
      );
    const values = w instanceof Tensor ? w.data : w;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new RangeError(`${op}: sampleWeight[${i}] must be a finite number ≥ 0, got ${describe(v)}`);
      weights[i] = v;
    }
  }
  if (classWeight !== null) {
    const y = samples.y;
    const width = y.size / n;
    for (let i = 0; i < n; i++) {
      let label: number;
      if (width === 1) label = y.data[i]!;
      else {
        label = 0;
        for (let k = 1; k < width; k++) if (y.data[i * width + k]! > y.data[i * width + label]!) label = k;
      }
      const w = classWeight.get(label);
      if (w === undefined)
        throw new RangeError(
          Number.isInteger(label) && label >= 0
            ? `${op}: classWeight has no weight for class ${label} (sample ${i} of ${where}); give one for every class`
            : `${op}: classWeight needs class labels, and the target of sample ${i} of ${where} is ${label}`,
        );
      weights[i]! *= w;
    }
  }
  return new Tensor(weights, [n]);
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
  'sampleWeight',
  'classWeight',
] as const;

type TensorSamples = { readonly x: Tensor; readonly y: Tensor };

/** The training rows and the validation rows: `validation`, or the last `validationSplit` of `data`. */
function splitSamples(
  op: string,
  data: TensorSamples,
  options: FitOptions<never, never>,
): [TensorSamples, TensorSamples | null] {
  const { validation, validationSplit: split } = options;
  if (split === undefined)
    return [
      data,
      validation === undefined || validation instanceof Dataset
        ? null
        : asSamples(op, validation as Samples, 'validation'),
    ];
  if (validation !== undefined) throw new TypeError('fit: give validation or validationSplit, not both');
  if (typeof split !== 'number' || !(split > 0 && split < 1))
    throw new RangeError(`fit: expected validationSplit to be in (0, 1), got ${describe(split)}`);
  const n = data.x.shape[0]!;
  const at = Math.floor(n * (1 - split));
  if (at === 0) throw new RangeError(`fit: validationSplit ${split} of ${n} samples leaves no training rows`);
  // rows in a run: views of the data (fit never writes to it), not copies
  const view = (t: Tensor, from: number, to: number) => {
    const width = t.size / n;
    return new Tensor(t.data.subarray(from * width, to * width), [to - from, ...t.shape.slice(1)]);
  };
  const part = (from: number, to: number) => ({ x: view(data.x, from, to), y: view(data.y, from, to) });
  return [part(0, at), part(at, n)];
}

/** Checks samples and returns them as two Tensors with the same number of rows. */
function asSamples(op: string, data: Samples | Batch, field: string): TensorSamples {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`${op}: expected ${field} to be { x, y }, got ${describe(data)}`);
  if (!field.includes('batch')) checkOptions(`${op} (${field})`, data, ['x', 'y']);
  const x = data.x instanceof Tensor ? data.x : asTensor(op, `${field}.x`, data.x);
  const y = data.y instanceof Tensor ? data.y : asTensor(op, `${field}.y`, data.y);
  if (x.ndim >= 1 && x.shape[0] === 0)
    throw new RangeError(`${op}: ${field} has no samples (${field}.x has shape ${formatShape(x.shape)})`);
  if (x.ndim < 1 || y.ndim < 1 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${op}: ${field}.x has shape ${formatShape(x.shape)} and ${field}.y ${formatShape(y.shape)}; they need the same number of rows`,
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
