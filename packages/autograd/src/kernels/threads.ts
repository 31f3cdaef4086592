/**
 * Worker threads for the matrix product. In Node.js a large product's rows are cut into chunks that
 * the calling thread and `getNumThreads() − 1` workers claim, running the same WebAssembly kernel on
 * the same shared memory. Each element of C is computed by one thread with the same instructions, so
 * the product has the same bits on any number of threads.
 *
 * The calling thread takes chunks too, then spins until every chunk is done, so it must be allowed to
 * block. Node.js's main thread is; a browser's is not: in a cross-origin-isolated page (where memory can
 * be shared) `gemmAsync` has Web Workers take every chunk while the page awaits them. Elsewhere products
 * run on the calling thread.
 */
import { describe } from '../shape.js';

/** @internal A gemm kernel of src/kernels/gemm.wat (addresses in bytes). */
export type Gemm = (
  ap: number,
  bp: number,
  c: number,
  m4: number,
  nw: number,
  k: number,
  ldc: number,
) => void;

/** The most workers made without being asked: each one holds a V8 isolate (~10 MB). */
const DEFAULT_LIMIT = 8;
/** The most threads one may ask for (a job's chunk count must fit in 16 bits). */
const MAX_THREADS = 256;

/** A browser's Web Worker, where there is one (this package is built without the DOM library). */
interface WebWorkerLike {
  postMessage(data: unknown): void;
  terminate(): void;
}
const WebWorker = (globalThis as { Worker?: new (url: string) => WebWorkerLike }).Worker;

/** The runtime's worker threads and core count, where it is Node.js; null elsewhere. */
const NODE = nodeRuntime();
/** The core count of a cross-origin-isolated browser page, which can share memory with Web Workers; null elsewhere. */
const WEB = NODE === null ? webRuntime() : null;

let requested = Math.min(NODE?.cores ?? WEB?.cores ?? 1, DEFAULT_LIMIT);

function nodeRuntime(): {
  readonly threads: typeof import('node:worker_threads');
  readonly cores: number;
} | null {
  const process = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof process?.getBuiltinModule !== 'function' || typeof SharedArrayBuffer !== 'function') return null;
  const threads = process.getBuiltinModule('node:worker_threads');
  const os = process.getBuiltinModule('node:os');
  return threads?.Worker && os ? { threads, cores: os.availableParallelism() } : null;
}

function webRuntime(): { readonly cores: number } | null {
  const page = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (page.crossOriginIsolated !== true || WebWorker === undefined || typeof SharedArrayBuffer !== 'function')
    return null;
  return { cores: page.navigator?.hardwareConcurrency ?? 1 };
}

/**
 * How many threads a large matrix product runs on: the calling thread and `n − 1` workers in Node.js,
 * `n` Web Workers for `matmulAsync` in a cross-origin-isolated page. The default is the number of cores
 * (at most 8) there, and 1 where workers cannot be used.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
  }
  requested = n;
}

/** How many threads a large matrix product runs on here: 1 where the runtime cannot use workers. */
export function getNumThreads(): number {
  return NODE === null && WEB === null ? 1 : requested;
}

/** @internal Whether this runtime can run products on worker threads (Node.js, with shared memory). */
export const canUseThreads = NODE !== null;

/** @internal Whether this page can run products on Web Workers, asynchronously (cross-origin isolated). */
export const canUseWebWorkers = WEB !== null;

// The team's control block, an Int32Array over a SharedArrayBuffer. TICKET holds the current job's
// chunk count (high 16 bits) and the next chunk to claim (low 16): a thread claims a chunk by raising it
// with compareExchange, so a chunk is claimed once, and only while its job is the current one. FINISHED
// counts the job's chunks done; GENERATION moves on with each job, for sleeping workers to wait on. The
// job itself: the kernel (0: gemm, 1: gemm32; 2, 3: the same fused), its seven arguments, the element
// size and rows per chunk.
const TICKET = 0;
const FINISHED = 1;
const GENERATION = 2;
const FAILED = 3;
const KERNEL = 4;
const ARGS = 5;
const BYTES = ARGS + 7;
const CHUNK_ROWS = BYTES + 1;
const CONTROL_LENGTH = CHUNK_ROWS + 1;

/**
 * Claims a chunk of the current job and runs the kernel on its rows: 1 if it did, 0 if another thread
 * claimed that chunk first (try again), −1 if none is left. Run by the calling thread and, as source
 * text, by the workers, so it refers to nothing outside its arguments: the slots of the control block
 * are written as numbers here (TICKET 0, FINISHED 1, FAILED 3, the job from KERNEL 4 on).
 */
function work(c: Int32Array, kernels: readonly Gemm[]): number {
  const ticket = Atomics.load(c, 0);
  const next = ticket & 0xffff;
  if (next >= ticket >>> 16) return -1;
  if (Atomics.compareExchange(c, 0, ticket, ticket + 1) !== ticket) return 0;
  // the job cannot change until this chunk is finished, so its arguments are read after the claim
  const k = c[10]!;
  const ldc = c[11]!;
  const bytes = c[12]!;
  const rows = c[13]!;
  const from = next * rows;
  try {
    kernels[c[4]!]!(
      c[5]! + from * k * bytes,
      c[6]!,
      c[7]! + from * ldc * bytes,
      Math.min(rows, c[8]! - from),
      c[9]!,
      k,
      ldc,
    );
  } catch {
    Atomics.store(c, 3, 1);
  }
  Atomics.add(c, 1, 1);
  Atomics.notify(c, 1); // a page awaiting the job (gemmAsync) wakes on it
  return 1;
}

/**
 * The worker's program (run with `eval`, so no file needs resolving): instantiate the shared module,
 * then take chunks of jobs. With none to take it spins (~0.3 ms) before sleeping: here a sleeping thread
 * takes from 30 µs to several ms to wake. A late worker costs nothing, as the others take its chunks.
 */
const WORKER_LOOP = `
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const fused = fusedModule === null ? null : new WebAssembly.Instance(fusedModule, { env: { memory } }).exports;
const kernels = [exports.gemm, exports.gemm32, fused?.gemm, fused?.gemm32];
const c = new Int32Array(control);
const work = ${work.toString()};
const open = () => { const t = Atomics.load(c, ${TICKET}); return (t & 0xffff) < t >>> 16; };
for (;;) {
  const generation = Atomics.load(c, ${GENERATION});
  for (let spin = 0; spin < 20000 && !open(); spin++);
  if (!open()) Atomics.wait(c, ${GENERATION}, generation);
  while (work(c, kernels) >= 0);
}`;
/** A Node.js worker thread: its data comes with it. */
const WORKER_SOURCE = `const { module, fusedModule, memory, control } = require('node:worker_threads').workerData;${WORKER_LOOP}`;
/** A Web Worker: its data comes in its first message. */
const WEB_WORKER_SOURCE = `onmessage = ({ data: { module, fusedModule, memory, control } }) => {${WORKER_LOOP}};`;

/** @internal A job posted by `Team.start`, for `Team.finish`. */
export interface Job {
  readonly chunks: number;
  readonly threads: number;
  readonly args: readonly [number, number, number, number, number, number, number];
}

/** What both kinds of worker provide. */
interface AnyWorker {
  terminate(): unknown;
}

/**
 * @internal The workers that run one shared module's kernels. Made by the first product that needs them; they
 * start in the background, and until one is up the calling thread takes every chunk.
 */
export class Team {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_LENGTH * 4));
  private readonly workers: AnyWorker[] = [];
  /** Chunks the workers have done so far: tests read it to know they did run. */
  workerChunks = 0;
  /** false: the calling thread takes no chunk and only waits, so tests can have workers do them all. */
  callerWorks = true;

  constructor(
    private readonly module: WebAssembly.Module,
    /** The same kernels with fused multiply-adds (kernels 2 and 3), where the runtime has relaxed SIMD. */
    private readonly fusedModule: WebAssembly.Module | null,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /**
   * Wakes the workers a product on `threads` threads will use, so they are spinning by the time it
   * has packed its operands and hands out its chunks.
   */
  wake(threads: number): void {
    this.hire(threads - 1);
    Atomics.notify(this.control, GENERATION);
  }

  /**
   * Runs `kernel` (index `which` in the workers) over the `m4` rows of packed A, cut into chunks of
   * whole 4-row panels, about eight per thread, so a late thread leaves little to wait for. The calling
   * thread takes chunks too, and returns once all are done. `bytes` is the size of an element.
   */
  gemm(
    which: number,
    kernel: Gemm,
    threads: number,
    args: readonly [number, number, number, number, number, number, number],
    bytes: number,
  ): void {
    this.finish(kernel, this.start(which, threads, args, bytes));
  }

  /**
   * `gemm` in two halves: `start` posts the job, and the workers begin on it while the calling thread
   * does something else (packs the next product of a batch); `finish` has the calling thread take the
   * chunks left and returns once all are done. Nothing else may be posted in between.
   */
  start(
    which: number,
    threads: number,
    args: readonly [number, number, number, number, number, number, number],
    bytes: number,
  ): Job {
    this.hire(threads - 1);
    return { chunks: this.post(which, threads, args, bytes), threads, args };
  }

  /** The second half of `gemm`: see `start`. */
  finish(kernel: Gemm, { chunks, threads, args }: Job): void {
    const { control } = this;
    const kernels = [kernel, kernel, kernel, kernel]; // whichever index the job names: this kernel
    let mine = 0;
    for (let claimed = 0; claimed >= 0 && this.callerWorks; claimed = work(control, kernels)) mine += claimed;
    while (Atomics.load(control, FINISHED) !== chunks);
    this.workerChunks += chunks - mine;
    if (control[FAILED] === 1) {
      throw new Error(
        `matmul: the kernel failed on rows of a ${args[3]}×${args[5]} by ${args[5]}×${args[4]} product, on ${threads} threads`,
      );
    }
  }

  /**
   * `gemm` for a page that may not block: the Web Workers take every chunk (`threads` of them), and the
   * promise resolves once all are done. The caller must not start another job before it does.
   */
  async gemmAsync(
    which: number,
    threads: number,
    args: readonly [number, number, number, number, number, number, number],
    bytes: number,
  ): Promise<void> {
    const { control } = this;
    this.hire(threads);
    const chunks = this.post(which, threads, args, bytes);
    const m4 = args[3];
    // the page always gets a turn before the product resolves (a timer set before the call runs first),
    // even where the workers finish every chunk before the first wait below
    await new Promise((resolve) => setTimeout(resolve, 0));
    const waitAsync = (Atomics as { waitAsync?: AtomicsWaitAsync }).waitAsync;
    for (
      let done = Atomics.load(control, FINISHED);
      done !== chunks;
      done = Atomics.load(control, FINISHED)
    ) {
      const wait = waitAsync?.(control, FINISHED, done);
      if (wait === undefined) await new Promise((resolve) => setTimeout(resolve, 0));
      else if (wait.async) await wait.value;
    }
    this.workerChunks += chunks;
    if (control[FAILED] === 1) {
      throw new Error(
        `matmulAsync: the kernel failed on rows of a ${m4}×${args[5]} by ${args[5]}×${args[4]} product, on ${threads} Web Workers`,
      );
    }
  }

  /**
   * Posts a job: its kernel and arguments, the rows split into chunks (about 8 per thread, whole
   * 4-row panels), the counters reset, and the workers woken. Returns the number of chunks.
   */
  private post(
    which: number,
    threads: number,
    args: readonly [number, number, number, number, number, number, number],
    bytes: number,
  ): number {
    const { control } = this;
    const m4 = args[3];
    const rows = 4 * Math.ceil(m4 / 4 / (8 * threads));
    const chunks = Math.ceil(m4 / rows);
    control.set([which, ...args, bytes, rows], KERNEL);
    Atomics.store(control, FINISHED, 0);
    Atomics.store(control, FAILED, 0);
    Atomics.store(control, TICKET, chunks << 16); // the previous job is finished: nobody holds a chunk
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return chunks;
  }

  /** How many workers the team keeps. */
  get size(): number {
    return this.workers.length;
  }

  /** Keeps `count` workers: makes the missing ones, or stops the extra ones (idle between products). */
  private hire(count: number): void {
    const { workers } = this;
    while (workers.length > count) workers.pop()!.terminate();
    const data = {
      module: this.module,
      fusedModule: this.fusedModule,
      memory: this.memory,
      control: this.control.buffer,
    };
    while (workers.length < count) {
      if (NODE !== null) {
        const worker = new NODE.threads.Worker(WORKER_SOURCE, { eval: true, workerData: data });
        worker.unref(); // an idle team must not keep the process alive
        workers.push(worker);
      } else {
        const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
        const worker = new WebWorker!(url);
        URL.revokeObjectURL(url);
        worker.postMessage(data);
        workers.push(worker);
      }
    }
  }
}

/** Atomics.waitAsync (ES2024): a promise that settles when the slot changes from `value`. */
type AtomicsWaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
