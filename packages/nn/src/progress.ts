// progressBar(): fit's progress on a terminal, as Keras's verbose=1 shows it: one line, redrawn, per
// epoch — the batches done, the running loss — and the epoch's logs once it ends. Off a terminal (a pipe,
// a file, CI, a browser) it writes nothing. One line rewritten with \r needs no library; the package
// keeps none that would tie it to Node.
import { internal } from '@adjoint/autograd';
import type { Callback, EpochLogs, TrainingContext } from './callbacks.js';

const { checkOptions, describe } = internal;

/** Where a progress bar writes: a stream with `write`, and whether it is a terminal. */
export interface ProgressStream {
  /** Writes text as it is (a line is redrawn with \r). */
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of `progressBar`. */
export interface ProgressOptions {
  /** Where to draw (default Node's process.stderr); nothing is drawn unless it is a terminal. */
  readonly stream?: ProgressStream;
  /** The bar's width in characters (default 24). */
  readonly width?: number;
}

/** A fit callback that draws the run's progress on a terminal, and nothing elsewhere. */
export function progressBar(options: ProgressOptions = {}): Callback {
  checkOptions('progressBar', options, ['stream', 'width']);
  const stream =
    options.stream ?? (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr ?? undefined;
  if (stream !== undefined && typeof stream.write !== 'function')
    throw new TypeError(`progressBar: expected stream to have write(), got ${describe(stream)}`);
  const width = options.width ?? 24;
  if (!Number.isSafeInteger(width) || width < 1)
    throw new RangeError(`progressBar: expected width to be a positive integer, got ${describe(width)}`);
  if (stream === undefined || stream.isTTY !== true) return {};
  let epochs = 0;
  let batches: number | null = null;
  let epoch = 0;
  let total = 0;
  let seen = 0;
  const label = () => `epoch ${epoch + 1}/${epochs}`;
  return {
    onTrainBegin(context: TrainingContext) {
      epochs = context.epochs;
      batches = context.batches;
    },
    onEpochBegin(e: number) {
      epoch = e;
      total = 0;
      seen = 0;
    },
    onBatchEnd(_batch: number, logs: { readonly loss: number }) {
      seen++;
      total += logs.loss;
      // a streamed epoch's length is unknown: its batches are counted, without a bar
      const done = batches === null ? 0 : Math.min(width, Math.round((width * seen) / batches));
      const bar =
        batches === null
          ? `batch ${seen}`
          : `[${'='.repeat(done)}${' '.repeat(width - done)}] ${seen}/${batches}`;
      stream.write(`\r${label()} ${bar}, loss ${(total / seen).toFixed(4)}\u001b[K`);
    },
    onEpochEnd(_e: number, logs: EpochLogs) {
      const shown = Object.entries(logs)
        .map(([k, v]) => `${k} ${Number(v).toFixed(4)}`)
        .join(', ');
      stream.write(`\r${label()}: ${shown}\u001b[K\n`);
    },
  };
}
