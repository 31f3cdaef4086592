import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar for a long run, on a terminal only: where the output is a pipe or a file (CI, a log),
 * it draws nothing, so no half-drawn bar lands in the text. `update` takes what an example's
 * `onProgress` reports; `stop` clears the line.
 */
export function progressBar(name: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stdout.isTTY) return { update: () => {}, stop: () => {} };
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
