// PyTorch's ReduceLROnPlateau, step for step: see schedules.ts for what a schedule is.
import { internal } from '@adjoint/autograd';
import { type Callback, checkMonitor, type EpochLogs, type TrainingContext } from './callbacks.js';
import { checkOptimizer, nonNegative, number, own, position, type Schedulable } from './schedules.js';

const { checkOptions, describe } = internal;

/** Options of ReduceLROnPlateau, as PyTorch's, and the log it watches inside `fit`. */
export interface PlateauOptions {
  /** Inside `fit`, the epoch log it steps on (default 'valLoss'). */
  readonly monitor?: keyof EpochLogs;
  readonly mode?: 'min' | 'max';
  /** The rate is multiplied by this (< 1) on a plateau. Default 0.1. */
  readonly factor?: number;
  /** Epochs without improvement tolerated (default 10). */
  readonly patience?: number;
  readonly threshold?: number;
  readonly thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. */
  readonly cooldown?: number;
  readonly minLr?: number;
  /** A reduction smaller than this is not made. */
  readonly eps?: number;
}

/** PyTorch's ReduceLROnPlateau: the rate times `factor` when the metric stops improving for `patience` steps. */
export class ReduceLROnPlateau implements Callback {
  readonly name = 'ReduceLROnPlateau';
  readonly monitor: keyof EpochLogs;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(
    readonly optimizer: Schedulable,
    options: PlateauOptions = {},
  ) {
    const name = 'ReduceLROnPlateau';
    checkOptions(name, options, [
      'monitor',
      'mode',
      'factor',
      'patience',
      'threshold',
      'thresholdMode',
      'cooldown',
      'minLr',
      'eps',
    ]);
    checkOptimizer(name, optimizer);
    const { monitor = 'valLoss', mode = 'min', thresholdMode = 'rel' } = options;
    if (mode !== 'min' && mode !== 'max')
      throw new TypeError(`${name}: expected mode 'min' or 'max', got ${describe(mode)}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs')
      throw new TypeError(`${name}: expected thresholdMode 'rel' or 'abs', got ${describe(thresholdMode)}`);
    this.monitor = monitor;
    this.mode = mode;
    this.thresholdMode = thresholdMode;
    this.factor = number(name, 'factor', options.factor ?? 0.1, (v) => v > 0 && v < 1, 'in (0, 1)');
    this.patience = number(
      name,
      'patience',
      options.patience ?? 10,
      (v) => Number.isSafeInteger(v) && v >= 0,
      'an integer ≥ 0',
    );
    this.threshold = number(name, 'threshold', options.threshold ?? 1e-4, nonNegative, 'a number ≥ 0');
    this.cooldown = number(
      name,
      'cooldown',
      options.cooldown ?? 0,
      (v) => Number.isSafeInteger(v) && v >= 0,
      'an integer ≥ 0',
    );
    this.minLr = number(name, 'minLr', options.minLr ?? 0, nonNegative, 'a number ≥ 0');
    this.eps = number(name, 'eps', options.eps ?? 1e-8, nonNegative, 'a number ≥ 0');
    this.best = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Its position and what it has seen, as data (the rate is the optimizer's). */
  stateDict(): { lastEpoch: number; best: number | null; numBadEpochs: number; cooldownCounter: number } {
    const { lastEpoch, best, numBadEpochs, cooldownCounter } = this;
    return { lastEpoch, best: Number.isFinite(best) ? best : null, numBadEpochs, cooldownCounter };
  }

  /** Puts back what `stateDict` saved. */
  loadStateDict(state: unknown): void {
    const lastEpoch = position('ReduceLROnPlateau', state);
    const { best, numBadEpochs, cooldownCounter } = state as Record<string, unknown>;
    const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    if ((best !== null && typeof best !== 'number') || !count(numBadEpochs) || !count(cooldownCounter))
      throw new Error(
        `ReduceLROnPlateau.loadStateDict: expected best, numBadEpochs and cooldownCounter, got ${describe(state)}`,
      );
    this.lastEpoch = lastEpoch;
    this.best =
      best === null
        ? this.mode === 'min'
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY
        : (best as number);
    this.numBadEpochs = numBadEpochs as number;
    this.cooldownCounter = cooldownCounter as number;
  }

  /** The rate in effect now. */
  get lr(): number {
    return this.optimizer.lr;
  }

  /** One step on the metric's latest value. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric))
      throw new TypeError(`ReduceLROnPlateau: expected the metric as a number, got ${describe(metric)}`);
    own(this, this.optimizer);
    this.lastEpoch++;
    if (this.#better(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const reduced = Math.max(old * this.factor, this.minLr);
      if (old - reduced > this.eps) this.optimizer.lr = reduced;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  #better(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** Inside `fit`: checks the monitor is logged, and takes the optimizer. */
  onTrainBegin(context: TrainingContext): void {
    checkMonitor('ReduceLROnPlateau', this.monitor, context);
    own(this, this.optimizer);
  }

  /** Inside `fit`: a step on the epoch's monitored log. */
  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    this.step(logs[this.monitor]!);
  }
}
