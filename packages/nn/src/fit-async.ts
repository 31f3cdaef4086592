// fitAsync: fit, run in slices between which the event loop (a page's clicks and paints) gets its turn.
import { internal } from '@adjoint/autograd';
import type { Callback } from './callbacks.js';
import type { FitOptions, History, TrainingData } from './fit-options.js';
import type { Prediction, Target } from './losses.js';
import type { Model } from './model.js';
import { training } from './train.js';

const { describe } = internal;

/** Options of `fitAsync`: `fit`'s, and how often it lets the page (or the event loop) in. */
export interface FitAsyncOptions<Out extends Prediction = Prediction, Tgt extends Target = Target>
  extends FitOptions<Out, Tgt> {
  /** Milliseconds of training between yields to the event loop (default 10; 0: after every batch). */
  readonly yieldEvery?: number;
  /** An AbortSignal (or anything with `aborted`): training stops after the current batch once it is aborted. */
  readonly signal?: { readonly aborted: boolean };
}

/**
 * `fit` that yields to the event loop between mini-batches whenever `yieldEvery` ms have passed, so a
 * page stays responsive while it trains; resolves to the same history, bit for bit, as `fit`. It also
 * trains on an asynchronous `Dataset` (a CSV being fetched or read from disk), awaiting each batch.
 */
export async function fitAsync<Out extends Prediction, Tgt extends Target>(
  model: Model<Out, Tgt>,
  data: TrainingData,
  options: FitAsyncOptions<Out, Tgt>,
): Promise<History> {
  const { yieldEvery = 10, signal, ...rest } = options ?? ({} as FitAsyncOptions<Out, Tgt>);
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0))
    throw new RangeError(
      `fitAsync: expected yieldEvery to be a number of milliseconds ≥ 0, got ${describe(yieldEvery)}`,
    );
  if (signal !== undefined && typeof signal?.aborted !== 'boolean')
    throw new TypeError(`fitAsync: expected signal to be an AbortSignal, got ${describe(signal)}`);
  // checked before each batch too: an abort seen when the event loop gives training back stops it there
  const stopper: Callback = {
    onBatchBegin: (_b, c) => signal?.aborted && c.stopTraining('aborted by its signal'),
    onBatchEnd: (_b, _l, c) => signal?.aborted && c.stopTraining('aborted by its signal'),
  };
  const run = training(model, data, { ...rest, callbacks: [...(rest.callbacks ?? []), stopper] }, 'fitAsync');
  // the checks and set-up run now, in the caller's task; the first batch in a task of its own
  let next = run.next();
  let slice = Number.NEGATIVE_INFINITY;
  for (;;) {
    if (next.done) return next.value;
    // an asynchronous Dataset's next batch (or its close): settled here and handed back, or its error
    // thrown in, so the run closes what it opened
    if (next.value instanceof Promise) {
      let settled: unknown;
      try {
        settled = await next.value;
      } catch (error) {
        next = run.throw(error);
        continue;
      }
      next = run.next(settled);
      continue;
    }
    // a batch is done: the event loop's turn, when the slice is used up
    if (performance.now() - slice >= yieldEvery) {
      await new Promise((resume) => setTimeout(resume, 0));
      slice = performance.now();
    }
    next = run.next();
  }
}
