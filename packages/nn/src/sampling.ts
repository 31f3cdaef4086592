import { internal, Rng, Tensor } from '@adjoint/autograd';

const { checkOptions, describe, formatShape } = internal;

/** What `sample` takes. */
export interface SampleOptions {
  /** The generator the draws come from (adjoint has no global random state). */
  readonly rng: Rng;
  /** The logits are divided by it before the softmax: below 1 sharper, above 1 flatter (default 1). */
  readonly temperature?: number;
  /** Only the k most likely tokens may be drawn (the rest get probability 0), as nanoGPT's top_k. */
  readonly topK?: number;
}

/**
 * One token per row of `logits` ([V] or [B, V]), drawn from softmax(logits / temperature), restricted
 * to the `topK` largest when given, with `rng`: the same generator state gives the same tokens. Ties at
 * the k-th largest logit all stay in.
 */
export function sample(logits: Tensor, options: SampleOptions): number[] {
  checkOptions('sample', options, ['rng', 'temperature', 'topK']);
  const { rng, temperature = 1, topK } = options ?? ({} as SampleOptions);
  if (!(logits instanceof Tensor) || (logits.ndim !== 1 && logits.ndim !== 2) || logits.size === 0)
    throw new TypeError(
      `sample: expected logits [V] or [B, V], got ${logits instanceof Tensor ? formatShape(logits.shape) : describe(logits)}`,
    );
  if (!(rng instanceof Rng)) throw new TypeError(`sample: expected rng to be an Rng, got ${describe(rng)}`);
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature))
    throw new RangeError(`sample: expected a temperature > 0, got ${describe(temperature)}`);
  const vocabulary = logits.shape[logits.ndim - 1]!;
  if (topK !== undefined && (!Number.isSafeInteger(topK) || topK < 1 || topK > vocabulary))
    throw new RangeError(
      `sample: expected topK to be an integer in [1, ${vocabulary}], got ${describe(topK)}`,
    );
  const data = logits.data;
  const rows = data.length / vocabulary;
  const tokens: number[] = [];
  const weights = new Float64Array(vocabulary);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * vocabulary, (r + 1) * vocabulary);
    for (let i = 0; i < vocabulary; i++)
      if (!Number.isFinite(row[i]!)) throw new RangeError(`sample: logit ${i} of row ${r} is ${row[i]}`);
    const threshold =
      topK === undefined ? Number.NEGATIVE_INFINITY : [...row].sort((a, b) => b - a)[topK - 1]!;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < vocabulary; i++) if (row[i]! >= threshold) max = Math.max(max, row[i]!);
    let total = 0;
    for (let i = 0; i < vocabulary; i++) {
      weights[i] = row[i]! >= threshold ? Math.exp((row[i]! - max) / temperature) : 0;
      total += weights[i]!;
    }
    // the first token whose cumulative weight passes a uniform draw
    const u = rng.uniform() * total;
    let cumulative = 0;
    let token = -1;
    for (let i = 0; i < vocabulary; i++) {
      cumulative += weights[i]!;
      if (weights[i]! > 0) token = i;
      if (u < cumulative) break;
    }
    tokens.push(token);
  }
  return tokens;
}
