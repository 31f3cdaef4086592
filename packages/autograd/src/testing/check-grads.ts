// JAX's check_grads: forward and reverse mode against central differences along random directions, to
// any order, and the two modes against each other by the transposition identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩.
import { type Differentiable, grad } from '../functional.js';
import { noGrad } from '../graph.js';
import { Rng } from '../random.js';
import { checkOptions, describe } from '../shape.js';
import { Tensor } from '../tensor.js';
import { jvp } from '../transforms.js';
import { Value } from '../value.js';

/** What `checkGrads` checks, and how closely. */
export interface CheckGradsOptions {
  /** How many times to differentiate: order 2 checks the derivatives of the derivatives too. Default 1. */
  readonly order?: number;
  /** 'fwd' checks jvp, 'rev' checks the vjp; with both, each is checked against the other. Default both. */
  readonly modes?: readonly ('fwd' | 'rev')[];
  /** The step h of the central differences. Default 1e-6. */
  readonly eps?: number;
  /** |analytic - numeric| ≤ atol + rtol·|numeric|. Defaults 1e-5 and 1e-5. */
  readonly atol?: number;
  readonly rtol?: number;
  /** Seeds the random directions. Default 0. */
  readonly seed?: number;
}

type Output = Differentiable | number | readonly (Differentiable | number)[];

/**
 * JAX's `check_grads`: checks the derivatives of `f` at `args` (float64 Tensors, Values or numbers) and
 * throws an Error saying which check failed, by how much, at which order. In 'fwd' mode jvp along a random
 * direction v is compared with (f(x + hv) - f(x - hv)) / 2h; in 'rev' mode the vjp of a random cotangent u
 * is compared with the same differences by ⟨vjp(u), v⟩ = ⟨u, Jv⟩; with both, jvp and vjp must satisfy
 * that identity to rounding. Order k repeats the checks on the jvp and the vjp themselves, as functions
 * of `args`. For your own ops (customOp): their first and second derivatives in both modes.
 */
export function checkGrads<A extends Differentiable[]>(
  f: (...args: A) => Output,
  args: { readonly [K in keyof A]: A[K] | number },
  options: CheckGradsOptions = {},
): void {
  checkOptions('checkGrads', options, ['order', 'modes', 'eps', 'atol', 'rtol', 'seed']);
  if (typeof f !== 'function')
    throw new TypeError(`checkGrads: expected f to be a function, got ${describe(f)}`);
  const { order = 1, modes = ['fwd', 'rev'], eps = 1e-6, atol = 1e-5, rtol = 1e-5, seed = 0 } = options;
  if (!Number.isInteger(order) || order < 1)
    throw new RangeError(`checkGrads: expected order to be an integer ≥ 1, got ${describe(order)}`);
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => m !== 'fwd' && m !== 'rev'))
    throw new TypeError(
      `checkGrads: expected modes to be a non-empty list of 'fwd' and 'rev', got ${describe(modes)}`,
    );
  const xs = (args as readonly unknown[]).map((x, i) => {
    if (typeof x === 'number') return new Value(x);
    if (x instanceof Tensor && x.dtype !== 'float64')
      throw new TypeError(`checkGrads: argument ${i} is ${x.dtype}; finite differences need float64`);
    if (!(x instanceof Tensor || x instanceof Value))
      throw new TypeError(
        `checkGrads: argument ${i} is ${describe(x)}, expected a Tensor, a Value or a number`,
      );
    return x;
  });
  check(f as (...xs: Differentiable[]) => Output, xs, order, 1, {
    modes,
    eps,
    atol,
    rtol,
    rng: new Rng(seed),
  });
}

interface Settings {
  readonly modes: readonly ('fwd' | 'rev')[];
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
  readonly rng: Rng;
}

function check(
  f: (...xs: Differentiable[]) => Output,
  xs: Differentiable[],
  order: number,
  at: number,
  s: Settings,
): void {
  const v = xs.map((x) => randomLike(x, s.rng));
  const outputs = flat(noGrad(() => f(...xs)));
  const u = outputs.map((y) => randomLike(y, s.rng));
  const numeric = differences(f, xs, v, s.eps);
  const dots = (a: readonly number[][], b: readonly number[][]) =>
    a.reduce((sum, ai, k) => sum + ai.reduce((t, e, i) => t + e * b[k]![i]!, 0), 0);
  const uNumbers = u.map(numbersOf);
  const vNumbers = v.map(numbersOf);
  let forward: number[][] | null = null;
  if (s.modes.includes('fwd')) {
    forward = flat(jvp(f, xs, v as never)[1]).map(numbersOf);
    for (const [k, out] of forward.entries()) {
      for (const [i, a] of out.entries()) {
        const what = `the jvp (order ${at}) of output ${k}, element ${i}, against central differences`;
        expectNear(a, numeric[k]![i]!, s, what);
      }
    }
  }
  let reverse: number | null = null;
  const pullback = (...ys: Differentiable[]) => {
    const inner = (...zs: Differentiable[]) => sumOfProducts(flat(f(...zs)), u);
    return grad(
      inner,
      ys.map((_, i) => i),
    )(...ys) as Differentiable[];
  };
  if (s.modes.includes('rev')) {
    reverse = dots(pullback(...xs).map(numbersOf), vNumbers);
    expectNear(reverse, dots(uNumbers, numeric), s, `⟨vjp(u), v⟩ (order ${at}) against central differences`);
  }
  if (forward !== null && reverse !== null) {
    const tight = { ...s, atol: 1e-10 * (1 + Math.abs(reverse)), rtol: 1e-10 };
    expectNear(dots(uNumbers, forward), reverse, tight, `⟨u, jvp(v)⟩ against ⟨vjp(u), v⟩ (order ${at})`);
  }
  if (order === 1) return;
  if (s.modes.includes('fwd')) check((...ys) => jvp(f, ys, v as never)[1], xs, order - 1, at + 1, s);
  if (s.modes.includes('rev')) check(pullback, xs, order - 1, at + 1, s);
}

/** (f(x + εv) - f(x - εv)) / 2ε for each output, as numbers. */
function differences(
  f: (...xs: Differentiable[]) => Output,
  xs: readonly Differentiable[],
  v: readonly Differentiable[],
  eps: number,
): number[][] {
  const at = (sign: number) =>
    flat(noGrad(() => f(...xs.map((x, i) => shifted(x, v[i]!, sign * eps))))).map(numbersOf);
  const [plus, minus] = [at(1), at(-1)];
  return plus.map((p, k) => p.map((e, i) => (e - minus[k]![i]!) / (2 * eps)));
}

function shifted(x: Differentiable, v: Differentiable, h: number): Differentiable {
  if (x instanceof Value) return new Value(x.data + h * (v as Value).data);
  const t = v as Tensor;
  return new Tensor(
    Float64Array.from(x.data, (e, i) => e + h * t.data[i]!),
    x.shape,
  );
}

function randomLike(x: Differentiable | number, rng: Rng): Differentiable {
  if (x instanceof Tensor)
    return new Tensor(
      Float64Array.from({ length: x.size }, () => rng.normal()),
      x.shape,
    );
  return new Value(rng.normal());
}

function sumOfProducts(
  ys: readonly (Differentiable | number)[],
  us: readonly Differentiable[],
): Differentiable {
  const terms = ys.map((y, k) => {
    const u = us[k]!;
    if (typeof y === 'number') return new Value(y * (u as Value).data);
    return y instanceof Tensor ? y.mul(u as Tensor).sum() : y.mul(u as Value);
  });
  return terms.reduce((a, b) => (a as Value & Tensor).add(b as Value & Tensor)) as Differentiable;
}

function flat(output: Output): (Differentiable | number)[] {
  return Array.isArray(output) ? [...output] : [output as Differentiable | number];
}

function numbersOf(x: Differentiable | number): number[] {
  if (typeof x === 'number') return [x];
  return x instanceof Tensor ? Array.from(x.data) : [x.data];
}

function expectNear(analytic: number, numeric: number, s: Settings, what: string): void {
  const allowed = s.atol + s.rtol * Math.abs(numeric);
  if (!(Math.abs(analytic - numeric) <= allowed)) {
    throw new Error(
      `checkGrads: ${what} is ${analytic}, expected ${numeric} (difference ${analytic - numeric}, allowed ${allowed})`,
    );
  }
}
