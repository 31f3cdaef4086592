// The harness every benchmark of this package shares: contestants of a workload warmed up, then timed
// interleaved, one repetition each per round in a seeded random order, so they share the machine's load;
// a table of medians, min–max and each one's ratio to the first contestant's.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rng } from '@adjoint/autograd';
import type { Row } from './results.js';

/** One contestant: a name and a step to time (awaited, so asynchronous peers finish their work). */
export interface Contestant {
  readonly name: string;
  readonly step: () => unknown;
  /** For a contestant that takes many seconds a step: one warm-up run, then only this many rounds. */
  readonly rounds?: number;
  /** For a contestant in a process of its own (PyTorch): its step resolves to the milliseconds its own clock measured. */
  readonly selfTimed?: boolean;
}

/** PyTorch as a contestant (workloads.ts's `torchContestant`): its first step's loss, and how to end its process. */
export interface TorchPeer {
  readonly contestant: Contestant;
  readonly firstLoss: number;
  close(): void;
}

/** How one workload is timed beyond its rounds. */
export interface RaceOptions {
  /** The workload's floating-point operations, for a GFLOP/s column. */
  readonly flops?: number;
  /** Steps per timed sample (the sample is their mean), for steps short next to a garbage collection. */
  readonly batch?: number;
}

/** The pause before each timed round, in ms (see `race`). */
const SETTLE_MS = 5;

/** A full garbage collection, through V8's `gc`, switched on here rather than by a flag to every run. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Where the benchmark is: on a terminal, one status line on stderr (the row, the contestant, the round,
 * and the time left in this row), rewritten in place; elsewhere one line as each row starts.
 */
function status(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

/** The workloads of one run: `only` (e.g. "W3,W6") times just those; `rows` collects every table's rows. */
export class Races {
  readonly rows: Row[] = [];
  /** The order of the contestants in each round: seeded, so two runs interleave alike. */
  readonly #shuffler = new Rng(16);
  readonly #only: readonly string[] | undefined;

  constructor(only?: string) {
    this.#only = only?.split(',').map((w) => w.trim());
  }

  /** Whether `workload` (its id, such as "W6") is among those to time. */
  includes(id: string): boolean {
    return this.#only === undefined || this.#only.includes(id);
  }

  /** Warms every contestant up, then times `reps` interleaved rounds, and prints the workload's table. */
  async race(
    workload: string,
    contestants: readonly Contestant[],
    reps: number,
    { flops, batch = 1 }: RaceOptions = {},
  ): Promise<void> {
    if (!this.includes(workload.split(' ')[0]!)) return;
    // Warm every contestant up until the JIT has settled, so TypeScript code is measured optimized, as
    // jax-js's compiled kernels are from their first call: at least 2 runs, then until 10 runs and 200 ms
    // have passed, or 1 s (so slow contestants do not warm up for minutes).
    if (!process.stderr.isTTY)
      console.error(`running ${workload}: ${contestants.length} contestants × ${reps} rounds`);
    collectGarbage(); // no workload starts with the garbage of the one before
    for (const c of contestants) {
      const started = performance.now();
      status(`${workload}: warming up ${c.name}`);
      for (let w = 0; ; w++) {
        const elapsed = performance.now() - started;
        if (
          c.rounds !== undefined
            ? w >= 1
            : w >= 2 && ((w >= 10 && elapsed >= 200) || elapsed >= 1000 || w >= 200)
        )
          break;
        await c.step();
      }
    }
    const times = contestants.map(() => [] as number[]);
    const timed = performance.now();
    for (let r = 0; r < reps; r++) {
      const left =
        r === 0
          ? ''
          : `, about ${((((performance.now() - timed) / r) * (reps - r)) / 1000).toFixed(0)} s left`;
      // each round in its own seeded order: no contestant always runs right after another, on the caches
      // it left (the one-thread row used to follow the default every round, on caches the default warmed)
      const order = contestants.map((_, k) => k);
      this.#shuffler.shuffle(order);
      for (const k of order) {
        const c = contestants[k]!;
        if (c.rounds !== undefined && r >= c.rounds) continue;
        status(`${workload}: round ${r + 1}/${reps}, ${c.name}${left}`);
        // a pause between rounds: threads the last contestant left spinning (its workers, PyTorch's
        // OpenMP team) go to sleep before the next is timed, rather than take cores from it
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const t0 = performance.now();
        let own = 0;
        for (let b = 0; b < batch; b++) {
          const ms = await c.step();
          if (c.selfTimed) own += ms as number;
        }
        times[k]!.push((c.selfTimed ? own : performance.now() - t0) / batch);
      }
    }
    status('');
    this.#report(workload, contestants, times, reps, batch, flops);
  }

  /**
   * `race` with PyTorch among the contestants, its rounds interleaved with theirs: `torch` starts its
   * process (only for a workload this run times) and gives the contestant, or a sentence saying why
   * there is none, printed instead. Its first loss is printed, to compare with adjoint's.
   */
  async raceWithTorch(
    workload: string,
    contestants: readonly Contestant[],
    reps: number,
    options: RaceOptions,
    torch: () => Promise<TorchPeer | string>,
  ): Promise<void> {
    if (!this.includes(workload.split(' ')[0]!)) return;
    const peer = await torch();
    await this.race(
      workload,
      typeof peer === 'string' ? contestants : [...contestants, peer.contestant],
      reps,
      options,
    );
    if (typeof peer === 'string') console.log(`  (${peer})`);
    else {
      peer.close();
      console.log(
        `  (PyTorch runs in a process of its own, timed by its clock; its first loss ${peer.firstLoss.toFixed(7)})`,
      );
    }
  }

  #report(
    workload: string,
    contestants: readonly Contestant[],
    times: readonly number[][],
    reps: number,
    batch: number,
    flops: number | undefined,
  ): void {
    const ours = median(times[0]!);
    const slow = contestants.filter((c) => c.rounds !== undefined && c.rounds < reps);
    const fewer = slow.map((c) => `${c.name}: ${c.rounds}`).join(', ');
    const samples = batch > 1 ? `${reps} samples, each the mean of ${batch} steps` : `${reps}`;
    console.log(`\n${workload} (median of ${samples}${fewer ? `; ${fewer}, after one warm-up run` : ''})`);
    console.log(
      `  ${'contestant'.padEnd(26)} ${'median'.padStart(10)} ${'min–max'.padStart(20)} ${flops ? 'GFLOP/s'.padStart(9) : ''} ${'peer / adjoint'.padStart(15)}`,
    );
    contestants.forEach((c, k) => {
      const m = median(times[k]!);
      const row: Row = {
        workload,
        name: c.name,
        medianMs: m,
        minMs: Math.min(...times[k]!),
        maxMs: Math.max(...times[k]!),
        ratio: k === 0 ? null : m / ours,
        ...(flops ? { gflops: flops / (m * 1e6) } : {}),
      };
      this.rows.push(row);
      const range = `${row.minMs.toFixed(2)}–${row.maxMs.toFixed(2)} ms`;
      const g = flops ? (flops / (m * 1e6)).toFixed(2).padStart(9) : '';
      console.log(
        `  ${c.name.padEnd(26)} ${`${m.toFixed(3)} ms`.padStart(10)} ${range.padStart(20)} ${g} ${k === 0 ? '—'.padStart(15) : `${row.ratio!.toFixed(2)}×`.padStart(15)}`,
      );
    });
  }
}
