// PyTorch's SequentialLR: schedulers in turn, step for step; see schedules.ts for what a schedule is.
import { internal } from '@adjoint/autograd';
import {
  every,
  LRScheduler,
  own,
  position,
  positiveInteger,
  type Schedulable,
  type ScheduleOptions,
  type StepEvery,
  SteppedSchedule,
} from './schedules.js';

const { checkOptions, describe } = internal;

/**
 * PyTorch's SequentialLR: `schedulers` in turn, the next from each of `milestones` (a warm-up, then a
 * cosine: `new SequentialLR(opt, [new LinearLR(opt, …), new CosineAnnealingLR(opt, …)], [10])`). It takes
 * the optimizer over from its schedulers, which must all drive that optimizer.
 */
export class SequentialLR extends SteppedSchedule {
  readonly name = 'SequentialLR';
  lastEpoch = 0;
  readonly every: StepEvery;
  readonly #schedulers: readonly LRScheduler[];
  readonly #milestones: readonly number[];

  constructor(
    readonly optimizer: Schedulable,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
    options: ScheduleOptions = {},
  ) {
    super();
    checkOptions('SequentialLR', options, ['every']);
    if (
      !Array.isArray(schedulers) ||
      schedulers.length < 2 ||
      schedulers.some((s) => !(s instanceof LRScheduler))
    )
      throw new TypeError(
        `SequentialLR: expected two or more schedulers (StepLR, LinearLR, …), got ${describe(schedulers)}`,
      );
    if (schedulers.some((s) => s.optimizer !== optimizer))
      throw new Error('SequentialLR: every scheduler must drive the optimizer SequentialLR is given');
    if (
      !Array.isArray(milestones) ||
      milestones.length !== schedulers.length - 1 ||
      milestones.some((m, i) => !positiveInteger(m) || (i > 0 && m <= milestones[i - 1]!))
    )
      throw new RangeError(
        `SequentialLR: expected ${schedulers.length - 1} increasing positive milestones for ${schedulers.length} schedulers, got ${describe(milestones)}`,
      );
    this.every = every('SequentialLR', options.every, 'epoch');
    this.#schedulers = schedulers;
    this.#milestones = milestones;
    // as PyTorch: back to the first rate, each scheduler's step 0 undone, and the first's taken again
    optimizer.lr = schedulers[0]!.baseLr;
    for (const s of schedulers) s.lastEpoch--;
    schedulers[0]!.advance();
  }

  /** The schedulers it chains. */
  get chained(): readonly LRScheduler[] {
    return this.#schedulers;
  }

  /** Its position and its schedulers', as data. */
  stateDict(): {
    readonly lastEpoch: number;
    readonly schedulers: readonly { readonly lastEpoch: number }[];
  } {
    return { lastEpoch: this.lastEpoch, schedulers: this.#schedulers.map((s) => s.stateDict()) };
  }

  /** Puts back what `stateDict` saved. */
  loadStateDict(state: unknown): void {
    const lastEpoch = position('SequentialLR', state);
    const inner = (state as { schedulers?: unknown }).schedulers;
    if (!Array.isArray(inner) || inner.length !== this.#schedulers.length)
      throw new Error(
        `SequentialLR.loadStateDict: expected ${this.#schedulers.length} schedulers' states, got ${describe(inner)}`,
      );
    const positions = inner.map((s) => position('SequentialLR', s));
    this.lastEpoch = lastEpoch;
    this.#schedulers.forEach((s, i) => {
      s.lastEpoch = positions[i]!;
    });
  }

  /** The rate in effect now. */
  get lr(): number {
    return this.optimizer.lr;
  }

  /** One step: of the scheduler whose turn it is, jumping to its start at a milestone (PyTorch's rule). */
  step(): void {
    own(this, this.optimizer);
    this.lastEpoch++;
    const index = this.#milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.#schedulers[index]!;
    if (index > 0 && this.#milestones[index - 1] === this.lastEpoch) scheduler.stepTo(0);
    else scheduler.advance();
  }
}
