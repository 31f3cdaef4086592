import { matmulAsync as productAsync } from '../kernels/matmul.js';
import { matmulRules, matmulShape, product } from '../rules/matmul.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * PyTorch's `F.linear`: x·Wᵀ, plus `bias` if given, for x [..., in] (rank ≥ 2) and weight [out, in].
 * The transpose is never copied: the product reads W row by row, and its adjoints are products too.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`linear: expected x to be a Tensor, got ${describe(x)}`);
  if (!(weight instanceof Tensor))
    throw new TypeError(`linear: expected weight to be a Tensor, got ${describe(weight)}`);
  const y = product(x, weight, 'nt');
  return bias === undefined ? y : y.add(bias);
}

/**
 * `a.matmul(b)` for two matrices, computed by Web Workers where the page is cross-origin isolated, so the
 * page goes on while they run: the same bits and the same recorded node as `matmul`, so gradients flow
 * through it. Elsewhere (Node.js, a page that is not isolated, batched operands) it is `matmul`, resolved.
 */
export async function matmulAsync(a: Tensor, b: Tensor): Promise<Tensor> {
  if (!(a instanceof Tensor))
    throw new TypeError(`matmulAsync: expected a to be a Tensor, got ${describe(a)}`);
  if (!(b instanceof Tensor))
    throw new TypeError(`matmulAsync: expected b to be a Tensor, got ${describe(b)}`);
  const shape = matmulShape(a.shape, b.shape, 'nn');
  if (a.ndim !== 2 || b.ndim !== 2) return a.matmul(b);
  const data = await productAsync(a, b, shape);
  // the matmul rule, with its forward already computed
  const { vjp, jvp } = matmulRules.matmul;
  const rule = { forward: () => ({ data, shape }), vjp, jvp };
  return a.applyRule('matmul', rule, { variant: 'nn' as const, shape }, [b]);
}
