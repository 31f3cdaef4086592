// Learning-rate schedules as PyTorch's lr_scheduler computes them, step for step (the test compares 100
// steps of each with PyTorch 1.13's own): each takes an optimizer and sets its `lr` at every `step()`.
// Each is also a `fit` callback: it steps after every epoch (or every mini-batch, for OneCycleLR by
// default), and ReduceLROnPlateau steps on the epoch's logs. An optimizer takes one schedule.
import { internal } from '@adjoint/autograd';
import type { Callback } from './callbacks.js';

const { checkOptions, describe } = internal;

/** What a schedule drives: an optimizer with a learning rate (SGD, Adam, AdamW). */
export interface Schedulable {
  lr: number;
}

/**
 * Marks an optimizer with the schedule that drives it, so that a second one is refused. A schedule takes
 * its optimizer when it first steps (or when `fit` begins), not when it is made: SequentialLR's
 * schedulers are all made on one optimizer before SequentialLR takes it.
 */
const SCHEDULE = Symbol('adjoint.schedule');

/**
 * The rate an optimizer had when its first schedule was made (PyTorch's `initial_lr`): every later
 * schedule of it starts from there too, as a SequentialLR's cosine does after its warm-up.
 */
const INITIAL_LR = Symbol('adjoint.initialLr');

/** @internal The optimizer's initial rate, recorded by its first schedule (or `lr`, as OneCycleLR gives it). */
export function initialLr(optimizer: Schedulable, lr?: number): number {
  const holder = optimizer as { [INITIAL_LR]?: number };
  if (lr !== undefined || holder[INITIAL_LR] === undefined)
    Object.defineProperty(optimizer, INITIAL_LR, { value: lr ?? optimizer.lr, configurable: true });
  return holder[INITIAL_LR]!;
}

/** What every schedule is to the mark: a name, and the schedulers it chains (SequentialLR's). */
interface Owner {
  readonly name: string;
  readonly chained?: readonly Owner[];
}

/** When a schedule steps inside `fit`: after every epoch, or after every mini-batch. */
export type StepEvery = 'epoch' | 'batch';

/** @internal */
export function checkOptimizer(name: string, optimizer: Schedulable): void {
  if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.lr !== 'number')
    throw new TypeError(
      `${name}: expected an optimizer with a learning rate (SGD, Adam, AdamW), got ${describe(optimizer)}`,
    );
}

/** Makes `owner` the schedule of `optimizer`; one that another schedule drives is an error. */
/** @internal */
export function own(owner: Owner, optimizer: Schedulable): void {
  const taken = (optimizer as { [SCHEDULE]?: Owner })[SCHEDULE];
  if (taken === owner || (taken !== undefined && owner.chained?.includes(taken))) {
    Object.defineProperty(optimizer, SCHEDULE, { value: owner, configurable: true });
    return;
  }
  if (taken !== undefined)
    throw new Error(
      `${owner.name}: this optimizer is already driven by a ${taken.name}; give it one schedule (SequentialLR chains several)`,
    );
  Object.defineProperty(optimizer, SCHEDULE, { value: owner, configurable: true });
}

/** @internal The `lastEpoch` of a saved schedule state, checked. */
export function position(name: string, state: unknown): number {
  const lastEpoch = (state as { lastEpoch?: unknown } | null)?.lastEpoch;
  if (!Number.isSafeInteger(lastEpoch) || (lastEpoch as number) < -1)
    throw new Error(`${name}.loadStateDict: expected a state with lastEpoch, got ${describe(state)}`);
  return lastEpoch as number;
}

/** @internal */
export function number(
  name: string,
  field: string,
  value: unknown,
  ok: (v: number) => boolean,
  what: string,
): number {
  if (typeof value !== 'number' || !ok(value))
    throw new RangeError(`${name}: expected ${field} to be ${what}, got ${describe(value)}`);
  return value;
}
/** @internal */
export const positiveInteger = (v: number) => Number.isSafeInteger(v) && v > 0;
/** @internal */
export const positive = (v: number) => Number.isFinite(v) && v > 0;
/** @internal */
export const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;

/** @internal */
export function every(name: string, value: unknown, fallback: StepEvery): StepEvery {
  if (value === undefined) return fallback;
  if (value !== 'epoch' && value !== 'batch')
    throw new TypeError(`${name}: expected every to be 'epoch' or 'batch', got ${describe(value)}`);
  return value;
}

/**
 * What every step-count schedule shares inside `fit` (LRScheduler and SequentialLR): it takes its
 * optimizer when training begins (so a second schedule fails before any change), and steps after every
 * epoch or every batch.
 */
export abstract class SteppedSchedule implements Callback {
  /** The schedule's class name, as errors give it. */
  abstract readonly name: string;
  /** The optimizer whose rate it sets. */
  abstract readonly optimizer: Schedulable;
  /** When it steps inside `fit`. */
  abstract readonly every: StepEvery;
  /** One step of the schedule. */
  abstract step(): void;

  /** Inside `fit`: takes the optimizer before any step, so that a second schedule fails before training. */
  onTrainBegin(): void {
    own(this, this.optimizer);
  }

  /** Inside `fit`: a step after each epoch, when it steps every epoch. */
  onEpochEnd(): void {
    if (this.every === 'epoch') this.step();
  }

  /** Inside `fit`: a step after each mini-batch, when it steps every batch. */
  onBatchEnd(): void {
    if (this.every === 'batch') this.step();
  }
}

/**
 * The schedules that compute the next rate from the step count (PyTorch's LRScheduler): constructed,
 * they take step 0 (which sets the optimizer's rate where a schedule starts elsewhere, as LinearLR);
 * each `step()` then counts one and sets the next rate.
 */
export abstract class LRScheduler extends SteppedSchedule {
  /** The optimizer's rate when the schedule took it: PyTorch's `initial_lr`. */
  readonly baseLr: number;
  /** The steps taken: PyTorch's `last_epoch`, 0 after construction. */
  lastEpoch = -1;
  readonly every: StepEvery;

  constructor(
    readonly name: string,
    readonly optimizer: Schedulable,
    options: { readonly every?: StepEvery },
    fallback: StepEvery = 'epoch',
  ) {
    super();
    checkOptimizer(name, optimizer);
    this.baseLr = initialLr(optimizer);
    this.every = every(name, options.every, fallback);
  }

  /** The rate in effect now. */
  get lr(): number {
    return this.optimizer.lr;
  }

  /** One step: the next rate, computed from the current one (PyTorch's chainable form). */
  step(): void {
    own(this, this.optimizer);
    this.advance();
  }

  /** @internal A step taken for SequentialLR, or the first one: the optimizer is not taken. */
  advance(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.next();
  }

  /** Its position, as data (the rate itself is the optimizer's: see `stateDict` there). */
  stateDict(): { readonly lastEpoch: number } {
    return { lastEpoch: this.lastEpoch };
  }

  /** Puts back a position `stateDict` saved. */
  loadStateDict(state: unknown): void {
    this.lastEpoch = position(this.name, state);
  }

  /** @internal Jumps to step `epoch` with the closed form (what SequentialLR does at a milestone). */
  stepTo(epoch: number): void {
    this.lastEpoch = epoch;
    this.optimizer.lr = this.closedForm();
  }

  /** The rate after this step, from the optimizer's current rate. */
  protected abstract next(): number;
  /** The rate at step `lastEpoch` from the base rate alone. */
  protected abstract closedForm(): number;

  /** Takes step 0: call at the end of each subclass's constructor. */
  protected start(): void {
    this.advance();
  }
}

/** Options every step-count schedule takes. */
export interface ScheduleOptions {
  /** When it steps inside `fit` (default 'epoch'; OneCycleLR's is 'batch'). */
  readonly every?: StepEvery;
}

/** PyTorch's StepLR: the rate times `gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(
    optimizer: Schedulable,
    options: ScheduleOptions & { readonly stepSize: number; readonly gamma?: number },
  ) {
    checkOptions('StepLR', options, ['stepSize', 'gamma', 'every']);
    super('StepLR', optimizer, options);
    this.stepSize = number('StepLR', 'stepSize', options.stepSize, positiveInteger, 'a positive integer');
    this.gamma = number('StepLR', 'gamma', options.gamma ?? 0.1, positive, 'a positive number');
    this.start();
  }
  protected next(): number {
    const lr = this.optimizer.lr;
    return this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0 ? lr : lr * this.gamma;
  }
  protected closedForm(): number {
    return this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

/** PyTorch's ExponentialLR: the rate times `gamma` at every step. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Schedulable, options: ScheduleOptions & { readonly gamma: number }) {
    checkOptions('ExponentialLR', options, ['gamma', 'every']);
    super('ExponentialLR', optimizer, options);
    this.gamma = number('ExponentialLR', 'gamma', options.gamma, positive, 'a positive number');
    this.start();
  }
  protected next(): number {
    return this.lastEpoch === 0 ? this.optimizer.lr : this.optimizer.lr * this.gamma;
  }
  protected closedForm(): number {
    return this.baseLr * this.gamma ** this.lastEpoch;
  }
}

/** PyTorch's CosineAnnealingLR: from the base rate down to `etaMin` along half a cosine of `tMax` steps. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(
    optimizer: Schedulable,
    options: ScheduleOptions & { readonly tMax: number; readonly etaMin?: number },
  ) {
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin', 'every']);
    super('CosineAnnealingLR', optimizer, options);
    this.tMax = number('CosineAnnealingLR', 'tMax', options.tMax, positiveInteger, 'a positive integer');
    this.etaMin = number('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, nonNegative, 'a number ≥ 0');
    this.start();
  }
  protected next(): number {
    const { lastEpoch: t, tMax, etaMin } = this;
    const lr = this.optimizer.lr;
    if (t === 0) return lr;
    if ((t - 1 - tMax) % (2 * tMax) === 0)
      return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return (
      ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) +
      etaMin
    );
  }
  protected closedForm(): number {
    const { lastEpoch: t, tMax, etaMin } = this;
    return etaMin + ((this.baseLr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
  }
}

/** PyTorch's LinearLR: the base rate times a factor going from `startFactor` to `endFactor` in `totalIters` steps. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(
    optimizer: Schedulable,
    options: ScheduleOptions & {
      readonly startFactor?: number;
      readonly endFactor?: number;
      readonly totalIters?: number;
    } = {},
  ) {
    checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters', 'every']);
    super('LinearLR', optimizer, options);
    const inUnit = (v: number) => v > 0 && v <= 1;
    this.startFactor = number('LinearLR', 'startFactor', options.startFactor ?? 1 / 3, inUnit, 'in (0, 1]');
    this.endFactor = number(
      'LinearLR',
      'endFactor',
      options.endFactor ?? 1,
      (v) => v >= 0 && v <= 1,
      'in [0, 1]',
    );
    this.totalIters = number(
      'LinearLR',
      'totalIters',
      options.totalIters ?? 5,
      positiveInteger,
      'a positive integer',
    );
    this.start();
  }
  protected next(): number {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    const lr = this.optimizer.lr;
    if (t === 0) return lr * s;
    if (t > n) return lr;
    return lr * (1 + (e - s) / (n * s + (t - 1) * (e - s)));
  }
  protected closedForm(): number {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLr * (s + ((e - s) * Math.min(n, t)) / n);
  }
}
