// What fit and fitAsync take and give: the data (in memory or streamed), the options, the history.
import type { Tensor } from '@adjoint/autograd';
import type { Callback, EpochLogs } from './callbacks.js';
import type { Dataset } from './dataset.js';
import type { LossOf, Prediction, Target } from './losses.js';

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
   * For a model on a GPU (fitAsync), each batch's move there is a step of the program, and each run of
   * elementwise ops one kernel.
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

/** The metrics `fit` reports. */
export const METRICS = ['accuracy'] as const;

/** The keys of FitOptions. */
export const FIT_OPTIONS = [
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

/**
 * What the training generator yields: nothing (a batch is done; fitAsync may let the event loop
 * in), or a promise the driver must settle and send back (an asynchronous Dataset's next batch).
 */
export type TrainingYield = undefined | Promise<unknown>;
