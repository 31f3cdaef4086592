/** What the benchmark writes to out/bench-<dtype>.json, and what `bench:table` reads back. */

/** One contestant of one workload: its median, its fastest and slowest round, and its ratio to adjoint's. */
export interface Row {
  readonly workload: string;
  readonly name: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** The median over the workload's first contestant's (adjoint's default); null for that one. */
  readonly ratio: number | null;
  readonly gflops?: number;
}

/** One process's run: one dtype, every workload it timed. */
export interface Run {
  readonly date: string;
  readonly node: string;
  readonly dtype: string;
  readonly quick: boolean;
  readonly rows: readonly Row[];
}
