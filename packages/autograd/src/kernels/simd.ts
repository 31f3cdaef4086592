/**
 * @internal The matrix product's blocks in WebAssembly SIMD (gemm.wat, assembled into gemm-wasm.ts), on one
 * thread or shared out to worker threads (threads.ts). Null where the runtime lacks SIMD.
 */
import { type DType, dtypeOf, type Storage } from '../ndarray.js';
import { allocateUnzeroed, duplicate } from '../run.js';
import { type GemmOperands, PRECISIONS, type Precision, packPanels } from './gemm.js';
import { getNumThreads, type Team } from './threads.js';
import { ASYNC_SIMD, kernelOf, SIMD, type Simd } from './wasm.js';

export { ASYNC_SIMD, hasSimd, SIMD, team } from './wasm.js';

/**
 * The multiply-adds from which a product is shared out between threads (3·2²⁰, about 0.2 ms of float32
 * work on one core), and the shortest inner dimension that is. Measured on a shared 2-core machine, one
 * thread ÷ two, medians of 9, noGrad matmuls interleaved: 64×288×196 (2²¹·⁸) 1.09–1.41×, 160³ 1.50–1.61×,
 * 192³ 1.55–1.74×. Below, the outcome turned on the machine's load: 128³ (2²¹) gained 1.27–1.46× in that
 * probe but lost 0.88× in the benchmark's W4 row, and at 2²⁰ shapes that gained in float64 lost in
 * float32 (0.69–1.41×). Products with a short inner dimension lost at every size tried (64×1×16384
 * 0.50×, 128×8×1024 0.77×): their time is the packing, which one thread does.
 */
export const PARALLEL_WORK = 3 << 20;
const PARALLEL_DEPTH = 32;

/** @internal The packed panels in the module's memory, for tests: `packPanels` run by the module. */
export function packPanelsSimd(
  src: Storage,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
): Storage | null {
  if (SIMD === null) return null;
  const dtype = dtypeOf(src);
  const bytes = PRECISIONS[dtype].bytes;
  const heap = view(SIMD, dtype, (src.length + lines * steps) * bytes);
  heap.set(src);
  SIMD.pack[dtype](src.length * bytes, 0, lineStride * bytes, stepStride * bytes, lines, steps, width);
  return heap.slice(src.length, src.length + lines * steps);
}

/** The views of each module's memory, made again only when the memory grows (a new buffer). */
const views = new WeakMap<Simd, { buffer: ArrayBufferLike; f32: Float32Array; f64: Float64Array }>();

/** The module's memory as an array of `dtype`, grown to at least `bytes`. */
function view(simd: Simd, dtype: DType, bytes: number): Storage {
  const { memory } = simd;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  let current = views.get(simd);
  if (current?.buffer !== memory.buffer) {
    const buffer = memory.buffer;
    current = { buffer, f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
    views.set(simd, current);
  }
  return dtype === 'float32' ? current.f32 : current.f64;
}

/** The operands of one product copied and packed into a module's memory, and where C will be. */
interface Packed {
  readonly heap: Storage;
  readonly args: readonly [number, number, number, number, number, number, number];
  readonly at: number;
  /** The rows and columns the kernel computes: m and n rounded up to whole panels. */
  readonly m4: number;
  readonly nw: number;
}

/**
 * Copies one product's matrices into the module's memory as they are (a memcpy) and packs them there,
 * A's rows four at a time and B's columns `width` at a time, into contiguous panels (whatever their
 * strides, so every variant runs the same kernel). A last, partial panel is filled with zeros: the
 * kernel computes m and n rounded up to whole panels, and the rows and columns past them are not
 * collected. Each element of C is its own sum, so padding changes no bit of the others, and no product
 * is too small for the kernel. `beforePacking` runs once the sizes are known.
 */
function packInto(
  simd: Simd,
  operands: GemmOperands,
  precision: Precision,
  beforePacking?: (m4: number, nw: number) => void,
): Packed {
  const { A, ao, B, bo, m, k, n } = operands;
  const { dtype, width, bytes } = precision;
  const m4 = Math.ceil(m / 4) * 4;
  const nw = Math.ceil(n / width) * width;
  // in elements: A's matrix, B's matrix, A's panels, B's panels, C (m4 × nw, rows nw apart)
  const rawA = 0;
  const rawB = rawA + m * k;
  const packA = rawB + k * n;
  const packB = packA + m4 * k;
  const at = packB + nw * k;
  const heap = view(simd, dtype, (at + m4 * nw) * bytes);
  beforePacking?.(m4, nw);
  heap.set(A.subarray(ao, ao + m * k), rawA);
  heap.set(B.subarray(bo, bo + k * n), rawB);
  packPanelsOf(simd, heap, operands, precision, [rawA, rawB, packA, packB]);
  return { heap, args: [packA * bytes, packB * bytes, at * bytes, m4, nw, k, nw], at, m4, nw };
}

/**
 * Packs the matrices at `rawA` and `rawB` of the module's memory (elements, read through the operands'
 * strides) into A's panels at `packA` and B's at `packB`: the whole panels by the module's pack
 * kernels, a last, partial panel here, its lines and then zeros.
 */
function packPanelsOf(
  simd: Simd,
  heap: Storage,
  { ai, ap, bp, bj, m, k, n }: Pick<GemmOperands, 'ai' | 'ap' | 'bp' | 'bj' | 'm' | 'k' | 'n'>,
  precision: Precision,
  [rawA, rawB, packA, packB]: readonly [number, number, number, number],
): void {
  packLines(simd, heap, precision, rawA, packA, ai, ap, m, k, 4);
  packLines(simd, heap, precision, rawB, packB, bj, bp, n, k, precision.width);
}

/**
 * Packs one operand: `lines` lines (A's rows, B's columns) of `steps` each, at `raw` in the module's
 * memory, into panels of `width` lines at `packed` (elements): whole panels by the module's kernel, a
 * last, partial one here.
 */
function packLines(
  simd: Simd,
  heap: Storage,
  { dtype, bytes }: Precision,
  raw: number,
  packed: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
): void {
  const whole = lines - (lines % width);
  simd.pack[dtype](packed * bytes, raw * bytes, lineStride * bytes, stepStride * bytes, whole, steps, width);
  packPanels(
    heap,
    packed + whole * steps,
    heap,
    raw + whole * lineStride,
    lineStride,
    stepStride,
    lines - whole,
    steps,
    width,
  );
}

/** The product's m × n out of the module's memory (rows nw apart there): a new array (C null), or into C. */
function collect(
  packed: Packed,
  { m, n, co: offset }: Pick<GemmOperands, 'm' | 'n' | 'co'>,
  precision: Precision,
  C: Storage | null,
): Storage {
  const { heap, at, nw } = packed;
  let co = offset;
  if (C === null) {
    // a copy out of the module's memory: no zeros written first
    if (nw === n) return duplicate(heap, at, at + m * n);
    C = allocateUnzeroed(precision.dtype, m * n);
    co = 0;
  }
  if (nw === n) C.set(heap.subarray(at, at + m * n), co);
  // rows of 24 or more a copy each: a view and a copy cost ~40 ns a row here, a loop ~2.5 ns an element
  else if (n >= 24)
    for (let i = 0; i < m; i++) C.set(heap.subarray(at + i * nw, at + i * nw + n), co + i * n);
  // rows of a few elements: a loop, not a view of the module's memory per row
  else for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C[co + i * n + j] = heap[at + i * nw + j]!;
  return C;
}

/**
 * @internal gemm with the blocks in WebAssembly: pack, run the kernel (on worker threads too when the
 * product is large and the runtime can), collect. With `C` null the product is a new array; otherwise it
 * is written into C.
 */
export function gemmSimd(
  simd: Simd,
  operands: GemmOperands,
  precision: Precision,
  C: Storage | null,
): Storage {
  let share: Share | null = null;
  const packed = packInto(simd, operands, precision, (m4, nw) => {
    // large products share their rows out to worker threads: wake them now, to be spinning after the packing
    share = shareFor(simd, m4, nw, operands.k);
  });
  const { dtype, bytes } = precision;
  const kernel = kernelOf(simd, dtype);
  if (share === null) kernel.gemm(...packed.args);
  else (share as Share).team.gemm(kernel.index, kernel.gemm, (share as Share).threads, packed.args, bytes);
  return collect(packed, operands, precision, C);
}

/** A product's rows shared out: the workers, and the threads in all (the calling one included). */
interface Share {
  readonly team: Team;
  readonly threads: number;
}

/** How a product of m4 × nw × k shares its rows, its workers woken now; null where it runs on one thread. */
function shareFor(simd: Simd, m4: number, nw: number, k: number): Share | null {
  const threads = Math.min(getNumThreads(), m4 / 4);
  if (simd.team === null || threads < 2 || m4 * nw * k < PARALLEL_WORK || k < PARALLEL_DEPTH) return null;
  simd.team.wake(threads);
  return { team: simd.team, threads };
}

/**
 * @internal A batch of large products of one shape, C[co…] = A[ao…]·B[bo…] for each offset triple: the
 * kernel of each product runs on the team's threads while this thread copies and packs the next one's
 * operands into a second set of buffers, where the workers used to wait on that copy and packing (W6's
 * convolution forward, 64 products of 64×288 by 288×196: 11.5 → 8.3 ms); a matrix that every product
 * reads (`shared`, a convolution's weight) is copied and packed once. The workers start each product
 * as soon as the one before is done, while this thread copies out its result (W6's compiled float32
 * step: 55.2 → 53.6 ms). The same kernel on the same panels: the same bits.
 */
export function gemmSimdPipelined(
  simd: Simd,
  shape: Omit<GemmOperands, 'ao' | 'bo' | 'co'>,
  offsets: readonly (readonly [number, number, number])[],
  shared: 'A' | 'B' | null,
  precision: Precision,
  C: Storage,
): void {
  const { A, ai, ap, B, bp, bj, m, k, n } = shape;
  const { dtype, width, bytes } = precision;
  const m4 = Math.ceil(m / 4) * 4;
  const nw = Math.ceil(n / width) * width;
  // in elements: each operand's matrix and panels (once if shared, else one set per buffer), then C per buffer
  const sizes = { rawA: m * k, packA: m4 * k, rawB: k * n, packB: nw * k };
  let end = 0;
  const place = (size: number) => {
    end += size;
    return end - size;
  };
  const buffers = [0, 1].map(() => ({
    rawA: 0,
    packA: 0,
    rawB: 0,
    packB: 0,
    at: 0,
  }));
  for (const side of ['A', 'B'] as const) {
    const raw = place(sizes[`raw${side}`]);
    const panels = place(sizes[`pack${side}`]);
    for (const [b, buffer] of buffers.entries()) {
      const own = side !== shared && b > 0;
      buffer[`raw${side}`] = own ? place(sizes[`raw${side}`]) : raw;
      buffer[`pack${side}`] = own ? place(sizes[`pack${side}`]) : panels;
    }
  }
  for (const buffer of buffers) buffer.at = place(m4 * nw);
  const heap = view(simd, dtype, end * bytes);
  const share = shareFor(simd, m4, nw, k);
  /** Copies and packs product t's operands into buffer b (the shared one only for the first product). */
  const prepare = (t: number, b: number) => {
    const [ao, bo] = offsets[t]!;
    const buffer = buffers[b]!;
    if (shared !== 'A' || t === 0) {
      heap.set(A.subarray(ao, ao + m * k), buffer.rawA);
      packLines(simd, heap, precision, buffer.rawA, buffer.packA, ai, ap, m, k, 4);
    }
    if (shared !== 'B' || t === 0) {
      heap.set(B.subarray(bo, bo + k * n), buffer.rawB);
      packLines(simd, heap, precision, buffer.rawB, buffer.packB, bj, bp, n, k, width);
    }
  };
  const kernel = kernelOf(simd, dtype);
  const argsOf = (t: number) => {
    const buffer = buffers[t % 2]!;
    return [buffer.packA * bytes, buffer.packB * bytes, buffer.at * bytes, m4, nw, k, nw] as const;
  };
  const count = offsets.length;
  prepare(0, 0);
  if (share === null) {
    for (let t = 0; t < count; t++) {
      if (t > 0) prepare(t, t % 2);
      kernel.gemm(...argsOf(t));
      collect(
        { heap, args: argsOf(t), at: buffers[t % 2]!.at, m4, nw },
        { m, n, co: offsets[t]![2] },
        precision,
        C,
      );
    }
    return;
  }
  // the workers go on to product t + 1 as soon as product t is done: its result is copied out, and the
  // operands of t + 2 packed into t's buffers, while they compute it
  let job = share.team.start(kernel.index, share.threads, argsOf(0), bytes);
  if (count > 1) prepare(1, 1);
  for (let t = 0; t < count; t++) {
    share.team.finish(kernel.gemm, job);
    if (t + 1 < count) job = share.team.start(kernel.index, share.threads, argsOf(t + 1), bytes);
    collect(
      { heap, args: argsOf(t), at: buffers[t % 2]!.at, m4, nw },
      { m, n, co: offsets[t]![2] },
      precision,
      C,
    );
    if (t + 2 < count) prepare(t + 2, t % 2);
  }
}

/**
 * @internal A batch of small products of one shape, C[co…] = A[ao…]·B[bo…] for each offset triple, on one
 * thread: A's and B's arrays copied into the module's memory once for the batch, then each product
 * packed, run and collected there, where gemmSimd made each product copy its own operands (attention's
 * 128 products of 16×16 matrices: 0.076 ms against 0.088, best of six runs each). The same kernel on the
 * same panels: the same bits.
 */
export function gemmSimdBatch(
  simd: Simd,
  shape: Omit<GemmOperands, 'ao' | 'bo' | 'co'>,
  offsets: readonly (readonly [number, number, number])[],
  precision: Precision,
  C: Storage,
): void {
  const { A, B, m, k, n } = shape;
  const { dtype, width, bytes } = precision;
  const m4 = Math.ceil(m / 4) * 4;
  const nw = Math.ceil(n / width) * width;
  // in elements: A, B, A's panels, B's panels, one product's C
  const rawB = A.length;
  const packA = rawB + B.length;
  const packB = packA + m4 * k;
  const at = packB + nw * k;
  const heap = view(simd, dtype, (at + m4 * nw) * bytes);
  heap.set(A, 0);
  heap.set(B, rawB);
  const packed: Packed = {
    heap,
    args: [packA * bytes, packB * bytes, at * bytes, m4, nw, k, nw],
    at,
    m4,
    nw,
  };
  const { gemm } = kernelOf(simd, dtype);
  for (const [ao, bo, co] of offsets) {
    packPanelsOf(simd, heap, shape, precision, [ao, rawB + bo, packA, packB]);
    gemm(packA * bytes, packB * bytes, at * bytes, m4, nw, k, nw);
    collect(packed, { m, n, co }, precision, C);
  }
}

/** The async products in flight, one after the other: they share ASYNC_SIMD's memory. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * @internal gemmSimd on Web Workers, for a page that may not block: the operands are packed on the
 * calling thread, the blocks computed by `getNumThreads()` workers while the page goes on, and the
 * product comes back as a new array. Products queue, as they share one memory.
 */
export function gemmSimdAsync(operands: GemmOperands, precision: Precision): Promise<Storage> {
  const simd = ASYNC_SIMD!;
  const job = queue.then(async () => {
    const packed = packInto(simd, operands, precision);
    const threads = Math.max(1, Math.min(getNumThreads(), packed.m4 / 4));
    if (packed.m4 > 0 && packed.nw > 0)
      await simd.team!.gemmAsync(
        kernelOf(simd, precision.dtype).index,
        threads,
        packed.args,
        precision.bytes,
      );
    return collect(packed, operands, precision, null);
  });
  queue = job.catch(() => undefined);
  return job;
}
