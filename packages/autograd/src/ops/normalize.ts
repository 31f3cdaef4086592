import { normalizeRules } from '../rules/normalize.js';
import { checkOptions, describe, formatShape, ShapeError } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * PyTorch's `F.layer_norm`: x normalised over its last axes (`normalizedShape`, which they must equal) to
 * mean 0 and variance 1, (x − μ)/√(σ² + eps) with σ² the biased variance, then times `weight` and plus
 * `bias` where given (each of `normalizedShape`). One primitive each way (rules/normalize.ts): a pass
 * over each row forward, and one back.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  options: { readonly weight?: Tensor; readonly bias?: Tensor; readonly eps?: number } = {},
): Tensor {
  const op = 'layerNorm';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected x to be a Tensor, got ${describe(x)}`);
  checkOptions(op, options, ['weight', 'bias', 'eps']);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new TypeError(
      `${op}: expected normalizedShape to be a positive integer or a non-empty list of them, got ${describe(normalizedShape)}`,
    );
  const k = shape.length;
  if (x.ndim < k || shape.some((d, i) => x.shape[x.ndim - k + i] !== d))
    throw new ShapeError(`${op}: expected x [..., ${shape.join(', ')}], got ${formatShape(x.shape)}`);
  const { weight, bias, eps = 1e-5 } = options;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw new RangeError(`${op}: expected eps to be a finite number ≥ 0, got ${describe(eps)}`);
  for (const [name, p] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (p === undefined) continue;
    if (!(p instanceof Tensor))
      throw new TypeError(`${op}: expected ${name} to be a Tensor, got ${describe(p)}`);
    if (p.ndim !== k || shape.some((d, i) => p.shape[i] !== d))
      throw new ShapeError(`${op}: expected ${name} [${shape.join(', ')}], got ${formatShape(p.shape)}`);
  }
  const rows = [...x.shape.slice(0, x.ndim - k), shape.reduce((a, b) => a * b, 1)];
  const y = x.reshape(rows).applyRule('normalize', normalizeRules.normalize, eps).reshape(x.shape);
  const scaled = weight === undefined ? y : y.mul(weight);
  return bias === undefined ? scaled : scaled.add(bias);
}
