import { Presets, SingleBar } from 'cli-progress';

/** How often a run whose output is not a terminal says how far it is. */
const PLAIN_EVERY_MS = 10_000;

/**
 * A progress bar for a long run, on a terminal. Where the output is a pipe or a file (CI, a log) no bar
 * is drawn (no half-drawn bar lands in the text): a plain line says how far the run is every 10 s, so a
 * run of minutes is never silent, and one shorter than that prints nothing. `update` takes what an
 * example's `onProgress` reports; `stop` clears the bar.
 */
export function runProgress(name: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stdout.isTTY) {
    let last = Date.now();
    return {
      update(done, total) {
        const now = Date.now();
        if (now - last < PLAIN_EVERY_MS) return;
        last = now;
        console.log(`${name}: ${done}/${total} (${Math.floor((100 * done) / total)}%)`);
      },
      stop: () => {},
    };
  }
  const bar = new SingleBar(
    {
      format: `${name.padEnd(20)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
