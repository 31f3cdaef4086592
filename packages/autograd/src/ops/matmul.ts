import { matmulAsync as productAsync } from '../kernels/matmul.js';
import { matmulRules, matmulShape, product } from '../rules/matmul.js';
import { checkOptions, describe, formatShape, ShapeError } from '../shape.js';
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
 * PyTorch's `F.scaled_dot_product_attention`: softmax(q·kᵀ·scale)·v for queries q [..., L, E], keys k
 * [..., S, E] and values v [..., S, Ev] (the batch axes broadcast), scale 1/√E unless given. With
 * `causal`, query i attends to keys j ≤ i only (PyTorch's `is_causal`: the lower triangle of an L×S
 * matrix): the others' scores are −∞ before the softmax, so their weights and gradients are 0. kᵀ is never
 * copied: the product reads k row by row, as `linear` reads its weight.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: { readonly causal?: boolean; readonly scale?: number } = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  for (const [name, x] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const)
    if (!(x instanceof Tensor))
      throw new TypeError(`${op}: expected ${name} to be a Tensor, got ${describe(x)}`);
  checkOptions(op, options, ['causal', 'scale']);
  const { causal = false } = options;
  const [qs, ks, vs] = [q.shape, k.shape, v.shape];
  if (qs.length < 2 || ks.length < 2 || vs.length < 2 || qs.at(-1) !== ks.at(-1) || ks.at(-2) !== vs.at(-2))
    throw new ShapeError(
      `${op}: expected q [..., L, E], k [..., S, E] and v [..., S, Ev], got q ${formatShape(qs)}, k ${formatShape(ks)}, v ${formatShape(vs)}`,
    );
  const scale = options.scale ?? 1 / Math.sqrt(qs.at(-1)!);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new TypeError(`${op}: expected scale to be a finite number, got ${describe(scale)}`);
  if (typeof causal !== 'boolean')
    throw new TypeError(`${op}: expected causal to be a boolean, got ${describe(causal)}`);
  let scores = product(q, k, 'nt').mul(scale);
  if (causal) {
    const [l, n] = [qs.at(-2)!, ks.at(-2)!];
    const Storage = scores.dtype === 'float32' ? Float32Array : Float64Array;
    const allowed = new Storage(l * n);
    for (let i = 0; i < l; i++) allowed.fill(1, i * n, i * n + Math.min(i + 1, n));
    // the mask is a constant of the scores' device; −∞ a rank-0 constant, which meets any device's tensors
    const mask = new Tensor(allowed, [l, n]);
    const floor = new Tensor(Storage.of(Number.NEGATIVE_INFINITY), []);
    scores = scores.where(scores.device === 'cpu' ? mask : mask.to(scores.device), floor);
  }
  return scores.softmax(-1).matmul(v);
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
