import {
  getMatmulPrecision,
  getNumThreads,
  Rng,
  setMatmulPrecision,
  setNumThreads,
  type Tensor,
  tensor,
} from '@adjoint/autograd';

import { hasFusedMultiplyAdd } from '../src/kernels/wasm';

// The checks of setMatmulPrecision('high'), shared by precision.test.ts (in Node.js and in Chromium)
// and by the Node.js process it starts with relaxed SIMD turned on.

/** Random matrices of `dtype`, from a seed. */
function matrix(rows: number, cols: number, dtype: 'float32' | 'float64', seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal())),
    { dtype },
  );
}

/** a·b under `precision`, on `threads` threads. */
function product(a: Tensor, b: Tensor, precision: 'highest' | 'high', threads: number): Float64Array {
  const [before, previous] = [getMatmulPrecision(), getNumThreads()];
  setMatmulPrecision(precision);
  setNumThreads(threads);
  try {
    return Float64Array.from(a.matmul(b).data);
  } finally {
    setMatmulPrecision(before);
    setNumThreads(previous);
  }
}

/**
 * For both dtypes: 'high' against 'highest' on a 64×96×80 product (every element within
 * k·2·u·Σ|a||b|, u the unit roundoff, and, where the runtime fuses, some element different: the fused
 * kernel ran), and a product large enough to share out to threads equal, bit for bit, on one thread
 * and on two (the workers run the fused kernels too). Throws naming the first failure; returns what
 * it found.
 */
export function checkHighPrecision(): string {
  const found: string[] = [];
  for (const [dtype, u] of [
    ['float32', 2 ** -24],
    ['float64', 2 ** -53],
  ] as const) {
    const [m, k, n] = [64, 96, 80];
    const a = matrix(m, k, dtype, 1);
    const b = matrix(k, n, dtype, 2);
    const exact = product(a, b, 'highest', 1);
    const fast = product(a, b, 'high', 1);
    const [ad, bd] = [a.data, b.data];
    let differing = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let magnitude = 0;
        for (let p = 0; p < k; p++) magnitude += Math.abs(ad[i * k + p]! * bd[p * n + j]!);
        const bound = 2 * k * u * magnitude;
        const [e, f] = [exact[i * n + j]!, fast[i * n + j]!];
        if (!(Math.abs(f - e) <= bound))
          throw new Error(`${dtype} (${i}, ${j}): 'high' gave ${f}, 'highest' ${e}, beyond ${bound}`);
        if (f !== e) differing++;
      }
    if (hasFusedMultiplyAdd && differing === 0)
      throw new Error(`${dtype}: 'high' gave the exact bits everywhere, so the fused kernel did not run`);
    if (!hasFusedMultiplyAdd && differing > 0)
      throw new Error(
        `${dtype}: without relaxed SIMD, 'high' must run the exact kernels; ${differing} differ`,
      );
    const big = [matrix(256, 192, dtype, 3), matrix(192, 256, dtype, 4)] as const;
    const [one, two] = [product(...big, 'high', 1), product(...big, 'high', 2)];
    const apart = one.findIndex((v, i) => v !== two[i]);
    if (apart >= 0) throw new Error(`${dtype}: 'high' on two threads differs at ${apart} from one thread`);
    found.push(`${dtype} ${differing}/${m * n} differ`);
  }
  return `${hasFusedMultiplyAdd ? 'fused' : 'exact'}: ${found.join(', ')}`;
}
