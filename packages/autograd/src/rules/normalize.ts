import { normalizeAdjointRows, normalizeRows } from '../kernels/normalize.js';
import { alongAxes, sameAttrs } from './batching.js';
import type { TensorNode, TensorRule } from './rule.js';

// Layer normalisation over the last axis as two primitives: the map y = (x − μ)·r, r = 1/√(σ² + eps),
// and its adjoint x̄ = r·(ȳ − mean(ȳ) − y·mean(ȳ·y)), each one pass of its own kernel where the
// composite of means, products and a square root runs several loops each way. The adjoint is a
// primitive with its own vjp, so the map differentiates to any order.

/** The normalisation primitives; the attribute is eps. */
export const normalizeRules: {
  readonly normalize: TensorRule<number>;
  readonly normalizeAdjoint: TensorRule<number>;
} = {
  normalize: {
    forward: ([x], eps) => ({ data: normalizeRows(x!.data, x!.shape.at(-1) ?? 1, eps), shape: x!.shape }),
    vjp: (g, _y, [x], eps) => [adjoint(g, x!, eps)],
    // the Jacobian is symmetric: the tangent goes through the adjoint's kernel
    jvp: ([dx], _y, [x], eps) => (dx ? adjoint(dx, x!, eps) : null),
    batch: sameAttrs,
  },
  // F(g, x) = r·(g − ⟨g⟩ − y·⟨g·y⟩), ⟨·⟩ the mean over the row. Linear and symmetric in g, so g's
  // adjoint is F(h, x). In x: dr = −r²·⟨y·dx⟩ and dy = F(dx, x), so dF = −r⟨y·dx⟩·F − r⟨g·y⟩·dy −
  // r·y·⟨g·dy⟩, whose adjoint is x̄ = −r·(⟨h·F⟩·y + ⟨g·y⟩·F(h, x) + ⟨h·y⟩·F)
  normalizeAdjoint: {
    forward: ([g, x], eps) => ({
      data: normalizeAdjointRows(g!.data, x!.data, x!.shape.at(-1) ?? 1, eps),
      shape: x!.shape,
    }),
    vjp: (h, f, [g, x], eps) => {
      const fh = adjoint(h, x!, eps);
      if (!x!.requiresGrad) return [fh, null];
      const d = x!.shape.at(-1) ?? 1;
      const mean = (t: typeof h) => t.sum(-1, true).div(d);
      const centred = x!.sub(mean(x!));
      const r = mean(centred.mul(centred)).add(eps).pow(-0.5);
      const y = centred.mul(r);
      const gx = mean(h.mul(f))
        .mul(y)
        .add(mean(g!.mul(y)).mul(fh))
        .add(mean(h.mul(y)).mul(f))
        .mul(r)
        .neg();
      return [g!.requiresGrad ? fh : null, gx];
    },
    batch: alongAxes((eps) => eps),
  },
};

/** F(g, x): the adjoint of the normalisation at x, recorded. */
function adjoint<T extends TensorNode<T>>(g: T, x: T, eps: number): T {
  return g.applyRule('normalizeAdjoint', normalizeRules.normalizeAdjoint, eps, [x]);
}
