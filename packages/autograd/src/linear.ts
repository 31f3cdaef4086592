import { isNDArray } from './ndarray.js';
import { product } from './rules/matmul.js';
import { describe } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * PyTorch's `F.linear`: x·Wᵀ, plus `bias` if given, for x [..., in] (rank ≥ 2) and weight [out, in].
 * The transpose is never copied: the product reads W row by row, and its adjoints are products too.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (!isNDArray(x)) throw new TypeError(`linear: expected x to be a Tensor, got ${describe(x)}`);
  if (!isNDArray(weight))
    throw new TypeError(`linear: expected weight to be a Tensor, got ${describe(weight)}`);
  const y = product(x, weight, 'nt');
  return bias === undefined ? y : y.add(bias);
}
