import { compile, internal, noGrad, Rng, Tensor, type Value } from '@adjoint/autograd';
import {
  type Callback,
  checkCallbacks,
  type EpochLogs,
  type HOOKS,
  type TrainingContext,
} from './callbacks.js';
import { Dataset } from './dataset.js';
import {
  type Batch,
  FIT_OPTIONS,
  type FitOptions,
  type History,
  METRICS,
  type Samples,
  type TrainingData,
  type TrainingYield,
} from './fit-options.js';
import type { Prediction, Target } from './losses.js';
import { accuracy } from './metrics.js';
import type { Model } from './model.js';
import { checkDevice, read, readable } from './on-device.js';
import {
  asSamples,
  checkClassWeight,
  close,
  drain,
  isIterable,
  pull,
  type RowShapes,
  STREAM_INSTEAD,
  splitSamples,
  streamBatches,
  type TensorSamples,
  takeRows,
  type WeightedBatch,
  weightsOf,
} from './samples.js';

const { checkOptions, closest, describe } = internal;

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
  return drain(training(model, data, options));
}

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
    const prediction = model.forwardBatch(place(x));
    const value =
      weights === undefined ? options.loss(prediction, target) : weightedLoss(prediction, target, weights);
    yield;
    value.backward();
    yield;
    options.optimizer.step();
    return keepPrediction ? [value, prediction] : value;
  }
  const eagerStep = (x: Tensor, target: Tgt, weights?: Tensor): StepResult => {
    return drain(phases(x, target, weights));
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
  // a model on a GPU: each batch's rows go there (the targets stay, for the losses to check and move);
  // compiled, the moves are steps of the program
  const device = checkDevice(op, model as Model<never, never>);
  const place = (x: Tensor) => (device === 'cpu' ? x : x.to(device));
  const plainStep = compiled ? compile((x: Tensor, t: Tgt) => eagerStep(x, t)) : null;
  const weightedStep = compiled ? compile((x: Tensor, t: Tgt, w: Tensor) => eagerStep(x, t, w)) : null;
  // and the forward pass of the epoch's scoring (evaluation mode, no graph): mnist-cnn scores 2,000
  // held-out digits each epoch, and two epochs took 22.4 s with that pass eager, 20.5 s compiled
  const scoringForward = compiled ? compile((x: Tensor) => model.forwardBatch(place(x)) as Tensor) : null;
  const forward = (x: Tensor): Out =>
    scoringForward === null ? model.forwardBatch(place(x)) : (scoringForward(x) as Out);
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
  const shapes: { first: RowShapes | null } = { first: null };
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
    const batches =
      stream === null ? memoryBatches() : streamBatches(op, stream, epoch, 'data', classWeight, shapes);
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
        const l = yield* read(value);
        total += l * rows;
        seen += rows;
        if (prediction !== undefined)
          right += accuracy(yield* readable(prediction), target, { threshold }) * rows;
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
          ? streamBatches(op, validationStream, epoch, 'validation', classWeight, shapes)
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
        const [value, prediction, target] = noGrad(() => {
          const prediction = forward(x);
          const target = model.targets(y);
          const value = !wantsLoss
            ? null
            : weights === null
              ? options.loss(prediction, target)
              : weightedLoss(prediction, target, weights);
          return [value, prediction, target] as const;
        });
        if (value !== null) losses.push([yield* read(value), n]);
        // the count of right answers, exactly
        if (wantsAccuracy)
          right += Math.round(accuracy(yield* readable(prediction), target, { threshold }) * n);
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
}

/** What one step gives: the loss, and the prediction too when a streamed epoch counts accuracy. */
type StepResult = Tensor | Value | [Tensor | Value, unknown];
