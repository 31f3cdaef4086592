import { grad, jvp, noGrad, Rng, Tensor } from '@adjoint/autograd';

/**
 * Checks of a tensor function along random directions: two extra forward passes at any size, instead
 * of two per element. `f` maps tensors to a tensor; it is reduced to the scalar L = Σ f(x) ⊙ w with
 * fixed random weights w, so every output element's vjp is exercised.
 */
export interface DirectionalCase {
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly inputs: readonly Tensor[];
  /** Seeds the weights and directions. */
  readonly seed: number;
}

function weightedLoss(c: DirectionalCase, rng: Rng): (...xs: Tensor[]) => Tensor {
  const shape = noGrad(() => c.f(...c.inputs)).shape;
  const weights = Float64Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => rng.normal());
  const w = new Tensor(weights, shape);
  return (...xs) =>
    c
      .f(...xs)
      .mul(w)
      .sum();
}

function directions(inputs: readonly Tensor[], rng: Rng): Tensor[] {
  return inputs.map(
    (x) =>
      new Tensor(
        Float64Array.from(x.data, () => rng.normal()),
        x.shape,
      ),
  );
}

function dot(as: readonly Tensor[], bs: readonly Tensor[]): number {
  let s = 0;
  as.forEach((a, k) => {
    for (let i = 0; i < a.size; i++) s += a.data[i]! * bs[k]!.data[i]!;
  });
  return s;
}

/** L evaluated at x + h·v for every input. */
function shifted(
  loss: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  v: readonly Tensor[],
  h: number,
): number {
  return noGrad(() =>
    loss(
      ...inputs.map(
        (x, k) =>
          new Tensor(
            Float64Array.from(x.data, (xi, i) => xi + h * v[k]!.data[i]!),
            x.shape,
          ),
      ),
    ).item(),
  );
}

/** ⟨∇L, v⟩ by backpropagation and by central differences (L(x + hv) - L(x - hv)) / 2h. */
export function directionalCheck(c: DirectionalCase, h = 1e-6): { analytic: number; numeric: number } {
  const rng = new Rng(c.seed);
  const loss = weightedLoss(c, rng);
  const v = directions(c.inputs, rng);
  const argnums = c.inputs.map((_, i) => i);
  const grads = grad(loss, argnums)(...c.inputs) as Tensor[];
  const numeric = (shifted(loss, c.inputs, v, h) - shifted(loss, c.inputs, v, -h)) / (2 * h);
  return { analytic: dot(grads, v), numeric };
}

/**
 * uᵀ H v two ways: differentiating ⟨∇L, v⟩ again through the recorded backward pass (grad of grad),
 * and central differences of the gradient along u.
 */
export function hessianCheck(c: DirectionalCase, h = 1e-5): { analytic: number; numeric: number } {
  const rng = new Rng(c.seed);
  const loss = weightedLoss(c, rng);
  const v = directions(c.inputs, rng);
  const u = directions(c.inputs, rng);
  const argnums = c.inputs.map((_, i) => i);
  const gradL = grad(loss, argnums);
  const leaves = c.inputs.map((x) => {
    const leaf = x.detach();
    leaf.requiresGrad = true;
    return leaf;
  });
  const hv = grad((...xs: Tensor[]) => {
    const gs = gradL(...xs) as Tensor[];
    return gs.map((g, k) => g.mul(v[k]!).sum()).reduce((s, t) => s.add(t));
  }, argnums)(...leaves) as Tensor[];
  const numeric = gradientDifference(gradL, c.inputs, u, v, h);
  return { analytic: dot(hv, u), numeric };
}

/**
 * ⟨w, J v⟩ three ways: forward mode (the weights times jvp's tangent), central differences of L along v,
 * and reverse mode (⟨Jᵀw, v⟩ = ⟨∇L, v⟩): the transposition check between jvp and vjp.
 */
export function tangentCheck(
  c: DirectionalCase,
  h = 1e-6,
): { forward: number; numeric: number; reverse: number } {
  const rng = new Rng(c.seed);
  const loss = weightedLoss(c, rng);
  const v = directions(c.inputs, rng);
  const argnums = c.inputs.map((_, i) => i);
  const grads = grad(loss, argnums)(...c.inputs) as Tensor[];
  const numeric = (shifted(loss, c.inputs, v, h) - shifted(loss, c.inputs, v, -h)) / (2 * h);
  const [, dy] = jvp(loss, c.inputs, v);
  return { forward: dy.item(), numeric, reverse: dot(grads, v) };
}

/**
 * uᵀ H v by forward over reverse (jvp of grad, along u, dotted with v) and by central differences of the
 * gradient along u.
 */
export function forwardHessianCheck(c: DirectionalCase, h = 1e-5): { analytic: number; numeric: number } {
  const rng = new Rng(c.seed);
  const loss = weightedLoss(c, rng);
  const v = directions(c.inputs, rng);
  const u = directions(c.inputs, rng);
  const argnums = c.inputs.map((_, i) => i);
  const gradL = grad(loss, argnums);
  const [, hu] = jvp((...xs: Tensor[]) => gradL(...xs) as Tensor[], c.inputs, u);
  const numeric = gradientDifference(gradL, c.inputs, u, v, h);
  return { analytic: dot(hu, v), numeric };
}

/** ⟨(∇L(x + hu) − ∇L(x − hu)) / 2h, v⟩: central differences of the gradient along u, dotted with v. */
function gradientDifference(
  gradL: (...xs: Tensor[]) => unknown,
  inputs: readonly Tensor[],
  u: readonly Tensor[],
  v: readonly Tensor[],
  h: number,
): number {
  const at = (sign: number) =>
    gradL(
      ...inputs.map(
        (x, k) =>
          new Tensor(
            Float64Array.from(x.data, (xi, i) => xi + sign * h * u[k]!.data[i]!),
            x.shape,
          ),
      ),
    ) as Tensor[];
  return (dot(at(1), v) - dot(at(-1), v)) / (2 * h);
}
