// PyTorch's OneCycleLR, step for step, the momentum cycle with it: see schedules.ts for what a schedule is.
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

/** Options of OneCycleLR, as PyTorch's. */
export interface OneCycleOptions extends ScheduleOptions {
  readonly maxLr: number;
  /** The steps of the whole cycle: epochs × batches per epoch, when it steps every batch (the default). */
  readonly totalSteps: number;
  readonly pctStart?: number;
  readonly annealStrategy?: 'cos' | 'linear';
  readonly divFactor?: number;
  readonly finalDivFactor?: number;
  readonly threePhase?: boolean;
  /**
   * Cycle the momentum inversely to the rate (default true, as PyTorch): SGD's `momentum`, or Adam's β₁,
   * from maxMomentum down to baseMomentum while the rate rises, and back.
   */
  readonly cycleMomentum?: boolean;
  readonly baseMomentum?: number;
  readonly maxMomentum?: number;
}

/**
 * PyTorch's OneCycleLR (Smith's 1cycle): up from maxLr / divFactor to maxLr over `pctStart` of the steps,
 * then down to that over finalDivFactor (with `threePhase`, back to the start first). It steps every
 * mini-batch in `fit` by default; a step past `totalSteps` is an error, as in PyTorch.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly #phases: readonly { end: number; from: number; to: number; momentum: [number, number] }[];
  /** Where the cycled momentum goes: SGD's momentum, Adam's β₁, or nowhere. */
  readonly #setMomentum: ((m: number) => void) | null;
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
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
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
    const cycle = options.cycleMomentum ?? true;
    if (typeof cycle !== 'boolean')
      throw new TypeError(`${name}: expected cycleMomentum to be true or false, got ${describe(cycle)}`);
    const low = number(
      name,
      'baseMomentum',
      options.baseMomentum ?? 0.85,
      (v) => v >= 0 && v < 1,
      'in [0, 1)',
    );
    const high = number(
      name,
      'maxMomentum',
      options.maxMomentum ?? 0.95,
      (v) => v >= 0 && v < 1,
      'in [0, 1)',
    );
    this.#phases = options.threePhase
      ? [
          { end: pct * n - 1, from: initial, to: maxLr, momentum: [high, low] },
          { end: 2 * pct * n - 2, from: maxLr, to: initial, momentum: [low, high] },
          { end: n - 1, from: initial, to: min, momentum: [high, high] },
        ]
      : [
          { end: pct * n - 1, from: initial, to: maxLr, momentum: [high, low] },
          { end: n - 1, from: maxLr, to: min, momentum: [low, high] },
        ];
    const target = optimizer as Schedulable & { momentum?: unknown; betas?: unknown };
    if (!cycle) this.#setMomentum = null;
    else if (Array.isArray(target.betas))
      this.#setMomentum = (m) => {
        (target as { betas: readonly [number, number] }).betas = [m, (target.betas as number[])[1]!];
      };
    else if (typeof target.momentum === 'number')
      this.#setMomentum = (m) => {
        (target as { momentum: number }).momentum = m;
      };
    else
      throw new TypeError(
        `${name}: cycleMomentum needs an optimizer with momentum (SGD) or betas (Adam); this one has neither: pass cycleMomentum: false`,
      );
    this.#anneal =
      strategy === 'cos'
        ? (from, to, p) => to + ((from - to) / 2) * (Math.cos(Math.PI * p) + 1)
        : (from, to, p) => (to - from) * p + from;
    this.start();
  }

  protected next(): number {
    return this.closedForm();
  }

  /** The rate at step `lastEpoch`; the momentum of that step is set on the way, when it cycles. */
  protected closedForm(): number {
    const t = this.lastEpoch;
    if (t > this.totalSteps)
      throw new RangeError(
        `OneCycleLR: step ${t} is past totalSteps ${this.totalSteps}; make the cycle longer`,
      );
    let start = 0;
    for (const [i, phase] of this.#phases.entries()) {
      if (t <= phase.end || i === this.#phases.length - 1) {
        const pct = (t - start) / (phase.end - start);
        this.#setMomentum?.(this.#anneal(phase.momentum[0], phase.momentum[1], pct));
        return this.#anneal(phase.from, phase.to, pct);
      }
      start = phase.end;
    }
    throw new Error('OneCycleLR: no phase'); // unreachable: the last phase takes every step
  }

  /** Puts back a position `stateDict` saved, and the momentum of that step (the optimizer's state does not hold it). */
  override loadStateDict(state: unknown): void {
    super.loadStateDict(state);
    if (this.lastEpoch >= 0) this.closedForm();
  }
}
