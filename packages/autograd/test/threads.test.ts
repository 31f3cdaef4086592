import { availableParallelism } from 'node:os';
import { getNumThreads, setNumThreads } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { afterEach, beforeAll, expect, test, vi } from 'vitest';
import { matmul } from '../src/kernels/matmul';
import { team } from '../src/kernels/simd';
import type { DType } from '../src/ndarray';
import { operands } from './operands';

// Large products share their rows out between worker threads over the module's shared memory. Each
// element is computed by one thread with the same kernel, so any thread count gives the same bits.

const initial = getNumThreads();
afterEach(() => setNumThreads(initial));

test('Node.js runs products on as many threads as it has cores (at most 8), and says so', () => {
  expect(team).not.toBeNull();
  expect(initial).toBe(Math.min(availableParallelism(), 8));
  setNumThreads(3);
  expect(getNumThreads()).toBe(3);
});

test.each([0, -1, 1.5, 257, Number.NaN, '2'])('setNumThreads(%s) is a RangeError naming the value', (n) => {
  expect(() => setNumThreads(n as number)).toThrow(/setNumThreads: expected an integer from 1 to 256, got/);
  expect(getNumThreads()).toBe(initial);
});

// Workers start in the background, and until one is up the calling thread takes every chunk; once
// the first worker is up it stays (fewer threads stop the last ones made)
beforeAll(async () => {
  setNumThreads(2);
  const [a, b] = operands(
    'float64',
    [
      [128, 512],
      [512, 128],
    ],
    1,
  );
  await vi.waitFor(
    () => {
      const before = team!.workerChunks;
      matmul(a!, b!, false, false, [128, 128], true);
      expect(team!.workerChunks).toBeGreaterThan(before);
    },
    // a worker's start-up on a busy machine: a wait, not a measured time
    { timeout: 30_000, interval: 10 },
  );
}, 60_000);
afterEach(() => {
  team!.callerWorks = true;
});

// 3,145,728 multiply-adds with an inner dimension of 32 or more is where products go to the workers:
// these shapes straddle both, with edge rows and columns, and batches (which write into one output
// rather than slicing it out). The calling thread takes no chunk, so the workers compute every row that
// the product shares out.
it.prop(
  [
    fc.integer({ min: 100, max: 200 }),
    fc.integer({ min: 8, max: 200 }),
    fc.integer({ min: 100, max: 200 }),
    // no batch, a batch of both, or one matrix against a batch of the other (packed once for the batch)
    fc.constantFrom<[number[], number[]]>([[], []], [[2], [2]], [[], [3]], [[3], []]),
    fc.constantFrom<[boolean, boolean]>([false, false], [false, true], [true, false]),
    fc.integer({ min: 2, max: 5 }),
    fc.constantFrom<DType>('float64', 'float32'),
    fc.integer(),
  ],
  { numRuns: 16 },
)(
  'a product computed by 1 to 4 workers has the same bits as on one thread, and as the TypeScript reference',
  (m, k, n, [batchA, batchB], [transA, transB], threads, dtype, seed) => {
    const [a, b] = operands(
      dtype,
      [
        [...batchA, ...(transA ? [k, m] : [m, k])],
        [...batchB, ...(transB ? [n, k] : [k, n])],
      ],
      seed,
    );
    const batch = batchA.length > 0 ? batchA : batchB;
    const outShape = [...batch, m, n];
    setNumThreads(1);
    const done = team!.workerChunks;
    const single = matmul(a!, b!, transA, transB, outShape, true);
    expect(team!.workerChunks).toBe(done);
    setNumThreads(threads);
    team!.callerWorks = false;
    const shared = matmul(a!, b!, transA, transB, outShape, true);
    // rows are shared out in chunks of whole 4-row panels, about eight per thread, if the blocks (m and
    // n rounded up to whole 4 × width tiles, the kernel's work) are enough; each matrix of the batch is one product
    const width = dtype === 'float32' ? 8 : 4;
    const [m4, nw] = [Math.ceil(m / 4) * 4, Math.ceil(n / width) * width];
    const chunks = Math.ceil(m4 / (4 * Math.ceil(m4 / 4 / (8 * threads))));
    const shares = m4 * nw * k >= 3 * 2 ** 20 && k >= 32;
    expect(team!.workerChunks - done).toBe(shares ? chunks * (batch[0] ?? 1) : 0);
    expect(Array.from(shared)).toEqual(Array.from(single));
    expect(Array.from(shared)).toEqual(Array.from(matmul(a!, b!, transA, transB, outShape, false)));
  },
);

test('the team keeps one worker fewer than the threads asked for', () => {
  setNumThreads(4);
  const [a, b] = operands(
    'float32',
    [
      [128, 512],
      [512, 128],
    ],
    7,
  );
  const expected = Array.from(matmul(a!, b!, false, false, [128, 128], false));
  expect(Array.from(matmul(a!, b!, false, false, [128, 128], true))).toEqual(expected);
  expect(team!.size).toBe(3);
  setNumThreads(2);
  expect(Array.from(matmul(a!, b!, false, false, [128, 128], true))).toEqual(expected);
  expect(team!.size).toBe(1);
});
