import { type DType, getNumThreads, matmulAsync, randn, setNumThreads, type Tensor } from '@adjoint/autograd';
import { afterEach, describe, expect, test } from 'vitest';
import { matmul } from '../src/kernels/matmul';
import { ASYNC_SIMD } from '../src/kernels/simd';
import { canUseWebWorkers } from '../src/kernels/threads';

// matmulAsync runs in both projects: in Node.js it is matmul, resolved; in the Chromium project, whose
// pages are cross-origin isolated, Web Workers compute it while the page goes on. Either way its bits
// are those of matmul on one thread and of the TypeScript reference.
const inBrowser = (globalThis as { window?: unknown }).window !== undefined;
const threads = getNumThreads();
afterEach(() => setNumThreads(threads));

function operands(m: number, k: number, n: number, dtype: DType, seed: number): [Tensor, Tensor] {
  return [
    randn([m, k], { seed, dtype, requiresGrad: true }),
    randn([k, n], { seed: seed + 1, dtype, requiresGrad: true }),
  ];
}

describe('matmulAsync', () => {
  test('uses Web Workers exactly where the page can share memory: in Chromium here, not in Node.js', () => {
    expect(canUseWebWorkers).toBe(inBrowser);
    if (inBrowser) {
      expect((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated).toBe(true);
      expect(getNumThreads()).toBeGreaterThanOrEqual(1);
    }
  });

  test.each([
    ['float64', 2],
    ['float32', 2],
    ['float64', 3],
    ['float32', 5],
  ] as const)(
    '%s on %i workers: the bits of matmul on one thread and of the TypeScript reference',
    async (dtype, n) => {
      setNumThreads(n);
      const before = ASYNC_SIMD?.team?.workerChunks ?? 0;
      for (const [m, k, p] of [
        [67, 300, 45],
        [128, 64, 96],
        [5, 9, 8],
      ] as const) {
        const [a, b] = operands(m, k, p, dtype, m + k);
        const asyncProduct = await matmulAsync(a, b);
        setNumThreads(1);
        const syncProduct = a.matmul(b);
        setNumThreads(n);
        expect(asyncProduct.dtype).toBe(dtype);
        expect(asyncProduct.shape).toEqual([m, p]);
        expect(Array.from(asyncProduct.data)).toEqual(Array.from(syncProduct.data));
        expect(Array.from(asyncProduct.data)).toEqual(Array.from(matmul(a, b, false, false, [m, p], false)));
      }
      if (inBrowser) expect(ASYNC_SIMD!.team!.workerChunks).toBeGreaterThan(before); // the workers did the work
    },
  );

  test('records the matmul node: gradients equal those through matmul', async () => {
    const [a, b] = operands(32, 40, 24, 'float64', 3);
    (await matmulAsync(a, b)).tanh().sum().backward();
    const [ga, gb] = [a.grad!.toArray(), b.grad!.toArray()];
    a.zeroGrad();
    b.zeroGrad();
    a.matmul(b).tanh().sum().backward();
    expect(a.grad!.toArray()).toEqual(ga);
    expect(b.grad!.toArray()).toEqual(gb);
  });

  test('the page goes on while the workers multiply: a timer set first fires before a large product resolves', async () => {
    const [a, b] = operands(512, 512, 512, 'float32', 9);
    const before = ASYNC_SIMD?.team?.workerChunks ?? 0;
    let ticked = false;
    setTimeout(() => {
      ticked = true;
    }, 0);
    const product = matmulAsync(a, b).then((c) => [ticked, c] as const);
    const [tickedFirst, c] = await product;
    expect(c.shape).toEqual([512, 512]);
    // in Node.js matmulAsync is synchronous work behind a resolved promise: the timer cannot fire first
    expect(tickedFirst).toBe(inBrowser);
    // and the workers took every chunk of it: 512 rows are more than one chunk on any team
    if (inBrowser) expect(ASYNC_SIMD!.team!.workerChunks - before).toBeGreaterThan(1);
  });

  test('products queue: several in flight come back right and in order', async () => {
    const pairs = [11, 12, 13].map((seed) => operands(40, 50, 36, 'float32', seed));
    const results = await Promise.all(pairs.map(([a, b]) => matmulAsync(a, b)));
    for (const [i, c] of results.entries()) {
      expect(Array.from(c.data)).toEqual(Array.from(pairs[i]![0].matmul(pairs[i]![1]).data));
    }
  });

  test('bad operands are named', async () => {
    const [a] = operands(2, 3, 4, 'float64', 1);
    await expect(matmulAsync(a, 'b' as never)).rejects.toThrow(
      'matmulAsync: expected b to be a Tensor, got the string "b"',
    );
    await expect(matmulAsync(a, a)).rejects.toThrow(
      'matmul: expected [..., m, k] @ [..., k, n], got [2, 3] @ [2, 3] (3 != 2)',
    );
  });
});
