// PyTorch's OneCycleLR, step for step (its momentum cycle aside): see schedules.ts for what a schedule is.
import { internal } from '@adjoint/autograd';
import {
  LRScheduler,
  number,
  positive,
  positiveInteger,
  type Schedulable,
  type ScheduleOptions,
} from './schedules.js';

const { checkOptions, describe } = internal;

/** Options of OneCycleLR, as PyTorch's (momentum is not cycled). */
export interface OneCycleOptions extends ScheduleOptions {
  readonly maxLr: number;
  /** The steps of the whole cycle: epochs × batches per epoch, when it steps every batch (the default). */
  readonly totalSteps: number;
  readonly pctStart?: number;
  readonly annealStrategy?: 'cos' | 'linear';
  readonly divFactor?: number;
  readonly finalDivFactor?: number;
  readonly threePhase?: boolean;
}

/**
 * PyTorch's OneCycleLR (Smith's 1cycle): up from maxLr / divFactor to maxLr over `pctStart` of the steps,
 * then down to that over finalDivFactor (with `threePhase`, back to the start first). It steps every
 * mini-batch in `fit` by default; a step past `totalSteps` is an error, as in PyTorch.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly #phases: readonly { end: number; from: number; to: number }[];
  readonly #anneal: (from: number, to: number, pct: number) => number;

  constructor(optimizer: Schedulable, options: OneCycleOptions) {
    const name = 'OneCycleLR';
    checkOptions(name, options, [
      'maxLr',
      'totalSteps',
      'pctStart',
      'annealStrategy',
      'divFactor',
      'finalDivFactor',
      'threePhase',
      'every',
    ]);
    super(name, optimizer, options, 'batch');
    const maxLr = number(name, 'maxLr', options.maxLr, positive, 'a positive number');
    this.totalSteps = number(name, 'totalSteps', options.totalSteps, positiveInteger, 'a positive integer');
    const pct = number(name, 'pctStart', options.pctStart ?? 0.3, (v) => v > 0 && v < 1, 'in (0, 1)');
    const div = number(name, 'divFactor', options.divFactor ?? 25, positive, 'a positive number');
    const finalDiv = number(
      name,
      'finalDivFactor',
      options.finalDivFactor ?? 1e4,
      positive,
      'a positive number',
    );
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw new TypeError(`${name}: expected annealStrategy 'cos' or 'linear', got ${describe(strategy)}`);
    const initial = maxLr / div;
    const min = initial / finalDiv;
    const n = this.totalSteps;
    this.#phases = options.threePhase
      ? [
          { end: pct * n - 1, from: initial, to: maxLr },
          { end: 2 * pct * n - 2, from: maxLr, to: initial },
          { end: n - 1, from: initial, to: min },
        ]
      : [
          { end: pct * n - 1, from: initial, to: maxLr },
          { end: n - 1, from: maxLr, to: min },
        ];
    this.#anneal =
      strategy === 'cos'
        ? (from, to, p) => to + ((from - to) / 2) * (Math.cos(Math.PI * p) + 1)
        : (from, to, p) => (to - from) * p + from;
    this.start();
  }

  protected next(): number {
    return this.closedForm();
  }

  protected closedForm(): number {
    const t = this.lastEpoch;
    if (t > this.totalSteps)
      throw new RangeError(
        `OneCycleLR: step ${t} is past totalSteps ${this.totalSteps}; make the cycle longer`,
      );
    let start = 0;
    for (const [i, phase] of this.#phases.entries()) {
      if (t <= phase.end || i === this.#phases.length - 1)
        return this.#anneal(phase.from, phase.to, (t - start) / (phase.end - start));
      start = phase.end;
    }
    throw new Error('OneCycleLR: no phase'); // unreachable: the last phase takes every step
  }
}
