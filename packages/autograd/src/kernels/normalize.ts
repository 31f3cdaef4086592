/**
 * Layer normalisation's rows: each row of length d (the last axis) centred and scaled to unit variance,
 * y = (x − μ)·r with r = 1/√(σ² + eps) (σ² the biased variance, as PyTorch's), and the adjoint of that
 * map. Each row is read in float64 in index order, twice for its mean and variance, and each result
 * rounded once when stored.
 */
import { dtypeOf, type Storage } from '../ndarray.js';
import { allocate } from '../run.js';
import { perDType } from './loops.js';

/** y = (x − μ)·r row by row. */
export function normalizeRows(x: Storage, d: number, eps: number): Storage {
  const out = allocate(dtypeOf(x), x.length);
  if (d > 0) ROWS[dtypeOf(x)](x, null, out, d, eps);
  return out;
}

/**
 * The adjoint of normalizeRows at x for the row gradients g: x̄ = r·(g − mean(g) − y·mean(g·y)), with μ,
 * r and y found again from x. The Jacobian r·(I − 𝟙𝟙ᵀ/d − y·yᵀ/d) is symmetric, so this is also the
 * tangent of y for a tangent g of x.
 */
export function normalizeAdjointRows(g: Storage, x: Storage, d: number, eps: number): Storage {
  const out = allocate(
    dtypeOf(g) === 'float32' && dtypeOf(x) === 'float32' ? 'float32' : 'float64',
    x.length,
  );
  if (d > 0) ROWS[dtypeOf(x)](x, g, out, d, eps);
  return out;
}

/** Each row's μ and r from x, then y into out (g null) or, for the row gradients g, x̄. */
const ROWS = perDType((x: Storage, g: Storage | null, out: Storage, d: number, eps: number) => {
  for (let start = 0; start < x.length; start += d) {
    const end = start + d;
    let sum = 0;
    for (let i = start; i < end; i++) sum += x[i]!;
    const mean = sum / d;
    let squares = 0;
    for (let i = start; i < end; i++) squares += (x[i]! - mean) * (x[i]! - mean);
    const r = 1 / Math.sqrt(squares / d + eps);
    if (g === null) {
      for (let i = start; i < end; i++) out[i] = (x[i]! - mean) * r;
      continue;
    }
    let gSum = 0;
    let gySum = 0;
    for (let i = start; i < end; i++) {
      gSum += g[i]!;
      gySum += g[i]! * (x[i]! - mean) * r;
    }
    const [gMean, gyMean] = [gSum / d, gySum / d];
    for (let i = start; i < end; i++) out[i] = r * (g[i]! - gMean - (x[i]! - mean) * r * gyMean);
  }
});
