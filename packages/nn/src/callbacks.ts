// What `fit` calls while it trains, in Keras's order: onTrainBegin, then per epoch onEpochBegin, per
// mini-batch onBatchBegin and onBatchEnd, onEpochEnd; onTrainEnd last. Any callback may stop training
// through the context it is handed; fit then finishes the batch or epoch it is in, calls onTrainEnd, and
// records in the history what stopped it. earlyStopping is the built-in one, with Keras 3's semantics.
import { type Differentiable, internal, Tensor } from '@adjoint/autograd';
import type { Model } from './model.js';

const { closest, describe } = internal;

/** What one epoch reports: its mean training loss, and the metrics and validation asked for. */
export interface EpochLogs {
  readonly loss: number;
  readonly accuracy?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

/** What a callback is handed with every call: the model, what the epochs will report, and a way to stop. */
export interface TrainingContext {
  // biome-ignore lint/suspicious/noExplicitAny: a callback serves models of any output and target type
  readonly model: Model<any, any>;
  /** The epochs asked for. */
  readonly epochs: number;
  /** The mini-batches of one epoch; null when a Dataset streams them (its length is known at its end). */
  readonly batches: number | null;
  /** The keys every epoch's logs will have: 'loss', then 'accuracy', 'valLoss', 'valAccuracy' as asked for. */
  readonly logKeys: readonly (keyof EpochLogs)[];
  /**
   * Ends training after the current mini-batch (or epoch), saying why; `fit` records it in the history.
   * Asked for in onBatchBegin, the batch about to begin does not run.
   */
  stopTraining(reason: string): void;
}

/**
 * Hooks `fit` calls as it trains (each optional), in Keras's order. A hook throwing ends `fit` with that
 * error. A name that is not one of these is an error, so a misspelt hook never goes silently uncalled.
 */
export interface Callback {
  /** First, before any change: a hook that throws here leaves the model as it was. */
  onTrainBegin?(context: TrainingContext): void;
  /** Before each epoch (counted from 0). */
  onEpochBegin?(epoch: number, context: TrainingContext): void;
  /** Before each mini-batch: its running index over the whole run. */
  onBatchBegin?(batch: number, context: TrainingContext): void;
  /** After each mini-batch: its running index over the whole run, and its mean loss. */
  onBatchEnd?(batch: number, logs: { readonly loss: number }, context: TrainingContext): void;
  /** After each epoch: what it reports (its loss, and the metrics and validation asked for). */
  onEpochEnd?(epoch: number, logs: EpochLogs, context: TrainingContext): void;
  /** Last, however training ended (all epochs, or a callback's stop). */
  onTrainEnd?(context: TrainingContext): void;
}

/** The hooks, in the order `fit` calls them. */
export const HOOKS = [
  'onTrainBegin',
  'onEpochBegin',
  'onBatchBegin',
  'onBatchEnd',
  'onEpochEnd',
  'onTrainEnd',
] as const satisfies readonly (keyof Callback)[];

/** @internal Checks `fit`'s callbacks: objects whose methods named on… are all hooks. */
export function checkCallbacks(callbacks: unknown): readonly Callback[] {
  if (!Array.isArray(callbacks))
    throw new TypeError(`fit: expected callbacks to be an array, got ${describe(callbacks)}`);
  callbacks.forEach((callback: unknown, i) => {
    if (typeof callback !== 'object' || callback === null)
      throw new TypeError(`fit: callbacks[${i}] is ${describe(callback)}, not an object of hooks`);
    for (const name of methodNames(callback)) {
      if ((HOOKS as readonly string[]).includes(name) || !/^on[A-Z]/.test(name)) continue;
      const guess = closest(name, HOOKS);
      throw new TypeError(
        `fit: callbacks[${i}] has a method '${name}', which is no hook${guess === undefined ? '' : `; did you mean '${guess}'?`} (hooks: ${HOOKS.join(', ')})`,
      );
    }
  });
  return callbacks as readonly Callback[];
}

/** The names of the functions an object has, its own and its classes', up to Object.prototype. */
function methodNames(object: object): string[] {
  const names: string[] = [];
  for (let o: object | null = object; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      const descriptor = Object.getOwnPropertyDescriptor(o, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.push(name);
    }
  }
  return names;
}

/**
 * @internal Throws, before training changes anything, when a callback's `monitor` is not among the logs
 * this run will have, naming the closest one or what gives it.
 */
export function checkMonitor(name: string, monitor: keyof EpochLogs, context: TrainingContext): void {
  if (context.logKeys.includes(monitor)) return;
  const guess = closest(String(monitor), context.logKeys);
  throw new Error(
    `${name}: monitor '${String(monitor)}' is not among this run's logs (${context.logKeys.join(', ')})` +
      (guess === undefined
        ? "; give fit a validation set for 'valLoss', metrics: ['accuracy'] for the accuracies"
        : `; did you mean '${guess}'?`),
  );
}

/** @internal Which way a monitor improves: 'auto' is up for an accuracy and down for a loss, as in Keras. */
export function monitorMode(mode: 'auto' | 'min' | 'max', monitor: keyof EpochLogs): 'min' | 'max' {
  return mode === 'auto' ? (/acc/i.test(monitor) ? 'max' : 'min') : mode;
}

/** Options of `earlyStopping`, as Keras's EarlyStopping takes them. */
export interface EarlyStoppingOptions {
  /** The log to watch (default 'valLoss'): 'loss', 'accuracy', 'valLoss' or 'valAccuracy'. */
  readonly monitor?: keyof EpochLogs;
  /** The least change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** Epochs without improvement before stopping (default 0: stop at the first). */
  readonly patience?: number;
  /** 'min', 'max', or 'auto' (default): max for an accuracy, min otherwise. */
  readonly mode?: 'auto' | 'min' | 'max';
  /** A value the monitor must beat; until it does, the patience keeps running out. */
  readonly baseline?: number;
  /** Put back the weights of the best epoch when training ends, whatever ended it (default false). */
  readonly restoreBestWeights?: boolean;
  /** Epochs to train before watching at all (default 0). */
  readonly startFromEpoch?: number;
}

const EARLY_STOPPING_OPTIONS = [
  'monitor',
  'minDelta',
  'patience',
  'mode',
  'baseline',
  'restoreBestWeights',
  'startFromEpoch',
] as const;

/**
 * Stops training when `monitor` has not improved for `patience` epochs, with Keras 3's semantics: an
 * improvement beats the best so far by more than `minDelta`; the patience restarts only on an improvement
 * that also beats `baseline`; no stop at epoch 0; with `restoreBestWeights` the best epoch's weights are
 * put back when training ends, whatever ended it (keras #12511). Its state (`best`, `bestEpoch`,
 * `stoppedEpoch`, `wait`) can be read after `fit`.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

/** The callback `earlyStopping` makes. */
export class EarlyStopping implements Callback {
  readonly monitor: keyof EpochLogs;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** The best value of the monitor so far (±Infinity before the first epoch it watches). */
  best = Number.NaN;
  /** The epoch of `best`, -1 before it. */
  bestEpoch = -1;
  /** The epoch at which it stopped training, -1 if it did not. */
  stoppedEpoch = -1;
  /** Epochs since the last improvement that restarted the patience. */
  wait = 0;
  #bestWeights: (Float64Array | Float32Array | number)[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    internal.checkOptions('earlyStopping', options, EARLY_STOPPING_OPTIONS);
    const { monitor = 'valLoss', minDelta = 0, patience = 0, mode = 'auto', baseline } = options;
    const { restoreBestWeights = false, startFromEpoch = 0 } = options;
    if (typeof minDelta !== 'number' || !(minDelta >= 0) || minDelta === Number.POSITIVE_INFINITY)
      throw new RangeError(
        `earlyStopping: expected minDelta to be a finite number ≥ 0, got ${describe(minDelta)}`,
      );
    for (const [name, value] of [
      ['patience', patience],
      ['startFromEpoch', startFromEpoch],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new RangeError(`earlyStopping: expected ${name} to be an integer ≥ 0, got ${describe(value)}`);
    }
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
      throw new TypeError(`earlyStopping: expected mode 'auto', 'min' or 'max', got ${describe(mode)}`);
    if (baseline !== undefined && (typeof baseline !== 'number' || !Number.isFinite(baseline)))
      throw new TypeError(
        `earlyStopping: expected baseline to be a finite number, got ${describe(baseline)}`,
      );
    if (typeof restoreBestWeights !== 'boolean')
      throw new TypeError(
        `earlyStopping: expected restoreBestWeights to be true or false, got ${describe(restoreBestWeights)}`,
      );
    this.monitor = monitor;
    this.minDelta = minDelta;
    this.patience = patience;
    this.mode = monitorMode(mode, monitor);
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.startFromEpoch = startFromEpoch;
  }

  /** Checks the monitor is logged, and starts afresh. */
  onTrainBegin(context: TrainingContext): void {
    checkMonitor('earlyStopping', this.monitor, context);
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.#bestWeights = null;
  }

  /** Compares the epoch's monitor with the best, and stops training when the patience has run out. */
  onEpochEnd(epoch: number, logs: EpochLogs, context: TrainingContext): void {
    const current = logs[this.monitor];
    if (current === undefined || epoch < this.startFromEpoch) return;
    const parameters = context.model.parameters();
    // the weights as they are, should no epoch ever improve
    if (this.restoreBestWeights && this.#bestWeights === null) {
      this.#bestWeights = weightsOf(parameters);
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.#improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = weightsOf(parameters);
      if (this.baseline === undefined || this.#improves(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      context.stopTraining(
        `earlyStopping: ${String(this.monitor)} did not improve for ${this.wait} epoch${this.wait === 1 ? '' : 's'} (best ${this.best} after epoch ${this.bestEpoch + 1}, counting from 1)`,
      );
    }
  }

  /** Puts back the best epoch's weights, with `restoreBestWeights`. */
  onTrainEnd(context: TrainingContext): void {
    if (this.restoreBestWeights && this.#bestWeights !== null)
      setWeights(context.model.parameters(), this.#bestWeights);
  }

  #improves(value: number, reference: number): boolean {
    return this.mode === 'min' ? value - -this.minDelta < reference : value - this.minDelta > reference;
  }
}

/** Copies of the parameters' values: arrays for Tensors, numbers for Values. */
function weightsOf(parameters: readonly Differentiable[]): (Float64Array | Float32Array | number)[] {
  return parameters.map((p) => (p instanceof Tensor ? p.data.slice() : p.data));
}

/** Writes saved values back into the parameters, in place (a compiled step reads them there). */
function setWeights(
  parameters: readonly Differentiable[],
  weights: readonly (Float64Array | Float32Array | number)[],
) {
  parameters.forEach((p, i) => {
    const w = weights[i]!;
    if (p instanceof Tensor) p.data.set(w as Float64Array | Float32Array);
    else p.data = w as number;
  });
}
