/**
 * The elementwise op table: each primitive's forward (on one number) next to its vector-Jacobian
 * product. The vjps are written with the differentiable methods that `Value` and `Tensor` share, so one
 * table serves both engines, and `backward({ createGraph: true })` records them for higher derivatives.
 * Broadcasting is the Tensor's business: it sums each gradient back to its input's shape.
 */

/** The methods a vjp may call: what `Value` and `Tensor` both provide. */
export interface Differentiable<N> {
  readonly requiresGrad: boolean;
  add(other: N | number): N;
  sub(other: N | number): N;
  mul(other: N | number): N;
  div(other: N | number): N;
  pow(other: N | number): N;
  neg(): N;
  log(): N;
  sin(): N;
  cos(): N;
  sigmoid(): N;
  /** 1 where `this > other`, else 0; not differentiable (its gradient is zero almost everywhere). */
  gt(other: N | number): N;
  ge(other: N | number): N;
  lt(other: N | number): N;
  eq(other: N | number): N;
  /** `this` where `cond` is nonzero, `other` elsewhere; the gradient flows to the branch taken. */
  where(cond: N, other: N | number): N;
}

/** A one-input elementwise primitive. */
export interface UnaryRule {
  readonly f: (x: number) => number;
  readonly vjp: <N extends Differentiable<N>>(g: N, y: N, x: N) => N;
  /** The same vjp on plain numbers, in the same order of operations: Value's fast path when nothing is recorded. */
  readonly fast: (g: number, y: number, x: number) => number;
}

/** A two-input elementwise primitive; the vjp may return `null` for an input that needs no gradient. */
export interface BinaryRule {
  readonly f: (a: number, b: number) => number;
  readonly vjp: <N extends Differentiable<N>>(g: N, y: N, a: N, b: N) => readonly [N | null, N | null];
  /** The vjp for a and for b on plain numbers, in the same order of operations (see UnaryRule.fast). */
  readonly fast: readonly [
    (g: number, y: number, a: number, b: number) => number,
    (g: number, y: number, a: number, b: number) => number,
  ];
}

/** σ(x) = 1 / (1 + e^-x), evaluated so that e^x never overflows: finite with a finite slope at ±800. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for large |x|, no overflow. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** The one-input elementwise primitives: forward, vjp, and vjp on numbers, side by side. */
export const unaryRules = {
  // d(-x) = -dx
  neg: { f: (x) => -x, vjp: (g) => g.neg(), fast: (g) => -g },
  // d eˣ = eˣ dx
  exp: { f: Math.exp, vjp: (g, y) => g.mul(y), fast: (g, y) => g * y },
  // d ln x = dx / x
  log: { f: Math.log, vjp: (g, _y, x) => g.div(x), fast: (g, _y, x) => g / x },
  // d tanh x = (1 - tanh² x) dx
  tanh: { f: Math.tanh, vjp: (g, y) => g.mul(y.mul(y).neg().add(1)), fast: (g, y) => g * (-(y * y) + 1) },
  // σ' = σ (1 - σ) (seed 000 eq. 9, seed 001 eq. 12)
  sigmoid: { f: sigmoid, vjp: (g, y) => g.mul(y.mul(y.neg().add(1))), fast: (g, y) => g * (y * (-y + 1)) },
  // relu'(x) = 1 for x ≥ 0, else 0: seed 000 eq. 11 takes 1 at the kink
  relu: {
    f: (x) => Math.max(x, 0),
    vjp: (g, _y, x) => g.where(x.ge(0), 0),
    fast: (g, _y, x) => (x >= 0 ? g : 0),
  },
  // d sin x = cos x dx
  sin: { f: Math.sin, vjp: (g, _y, x) => g.mul(x.cos()), fast: (g, _y, x) => g * Math.cos(x) },
  // d cos x = -sin x dx
  cos: { f: Math.cos, vjp: (g, _y, x) => g.mul(x.sin()).neg(), fast: (g, _y, x) => -(g * Math.sin(x)) },
  // d √x = dx / (2 √x)
  sqrt: { f: Math.sqrt, vjp: (g, y) => g.div(y.mul(2)), fast: (g, y) => g / (y * 2) },
  // |x|' = sign x, with 0 at the kink (the subgradient PyTorch and JAX pick)
  abs: {
    f: Math.abs,
    vjp: (g, _y, x) => g.where(x.gt(0), g.neg().where(x.lt(0), 0)),
    fast: (g, _y, x) => (x > 0 ? g : x < 0 ? -g : 0),
  },
  // softplus' = σ
  softplus: { f: softplus, vjp: (g, _y, x) => g.mul(x.sigmoid()), fast: (g, _y, x) => g * sigmoid(x) },
} satisfies Record<string, UnaryRule>;

/** leakyRelu(x) = x for x ≥ 0, slope·x below; its derivative takes 1 at the kink, like relu's. */
export function leakyReluRule(slope: number): UnaryRule {
  return {
    f: (x) => (x >= 0 ? x : slope * x),
    vjp: (g, _y, x) => g.where(x.ge(0), g.mul(slope)),
    fast: (g, _y, x) => (x >= 0 ? g : g * slope),
  };
}

/** The two-input elementwise primitives: forward, vjp, and vjp on numbers, side by side. */
export const binaryRules = {
  // d(a + b) = da + db
  add: { f: (a, b) => a + b, vjp: (g) => [g, g], fast: [(g) => g, (g) => g] },
  // d(a b) = b da + a db
  mul: {
    f: (a, b) => a * b,
    vjp: (g, _y, a, b) => [g.mul(b), g.mul(a)],
    fast: [(g, _y, _a, b) => g * b, (g, _y, a) => g * a],
  },
  // d(a / b) = da / b - (a / b) db / b. A primitive, not a·b⁻¹, so the forward is rounded once, like a / b.
  div: {
    f: (a, b) => a / b,
    vjp: (g, y, a, b) => [a.requiresGrad ? g.div(b) : null, g.mul(y).div(b).neg()],
    fast: [(g, _y, _a, b) => g / b, (g, y, _a, b) => -((g * y) / b)],
  },
  // d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln a db; the second term only when b needs it (ln a is NaN for a < 0)
  pow: {
    f: Math.pow,
    vjp: (g, y, a, b) => [
      a.requiresGrad ? g.mul(b).mul(a.pow(b.sub(1))) : null,
      b.requiresGrad ? g.mul(y).mul(a.log()) : null,
    ],
    fast: [(g, _y, a, b) => g * b * a ** (b + -1), (g, y, a) => g * y * Math.log(a)],
  },
  // At a tie the gradient is split evenly between a and b, as in PyTorch and JAX.
  maximum: {
    f: Math.max,
    vjp: (g, _y, a, b) => splitAtTies(g, a.gt(b), a.eq(b), a.lt(b)),
    fast: [
      (g, _y, a, b) => (a > b ? g : a === b ? g * 0.5 : 0),
      (g, _y, a, b) => (a < b ? g : a === b ? g * 0.5 : 0),
    ],
  },
  minimum: {
    f: Math.min,
    vjp: (g, _y, a, b) => splitAtTies(g, a.lt(b), a.eq(b), a.gt(b)),
    fast: [
      (g, _y, a, b) => (a < b ? g : a === b ? g * 0.5 : 0),
      (g, _y, a, b) => (a > b ? g : a === b ? g * 0.5 : 0),
    ],
  },
} satisfies Record<string, BinaryRule>;

/** The gradients of max(a, b) (or min): all of g to the winner, half to each at a tie. */
function splitAtTies<N extends Differentiable<N>>(g: N, aWins: N, tie: N, bWins: N): readonly [N, N] {
  const half = g.mul(0.5);
  return [g.where(aWins, half.where(tie, 0)), g.where(bWins, half.where(tie, 0))];
}

/** The name of a one-input elementwise primitive. */
export type UnaryName = keyof typeof unaryRules;
/** The name of a two-input elementwise primitive. */
export type BinaryName = keyof typeof binaryRules;

/** Every elementwise op of the table as a method: `Value` and `Tensor` implement this, so tsc flags a gap. */
export type Elementwise<N> = Differentiable<N> & { [K in UnaryName]: () => N } & {
  [K in BinaryName]: (other: N | number) => N;
} & { leakyRelu(slope?: number): N };
