import { pick } from '../codegen.js';
import { erf } from '../kernels/erf.js';
import type { ElementwiseRule, ScalarForward, VjpMethods } from './rule.js';

// The elementwise primitives. Their vjps are written with the methods `Value` and `Tensor` share, so one
// table serves both engines, and `backward({ createGraph: true })` records them for higher derivatives.
// Broadcasting is the Tensor's business: it sums each gradient back to its input's shape.

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

/** The one-input elementwise primitives. */
export const unaryRules = {
  // d(-x) = -dx
  neg: { forward: (x) => -x, source: '(-$0)', vjp: (g) => [g.neg()] },
  // d eˣ = eˣ dx
  exp: { forward: Math.exp, source: 'Math.exp($0)', vjp: (g, y) => [g.mul(y)] },
  // d ln x = dx / x
  log: { forward: Math.log, source: 'Math.log($0)', vjp: (g, _y, [x]) => [g.div(x!)] },
  // d tanh x = (1 - tanh² x) dx
  tanh: { forward: Math.tanh, source: 'Math.tanh($0)', vjp: (g, y) => [g.mul(y.mul(y).neg().add(1))] },
  // σ' = σ (1 - σ): derivations.md, note 000 eq. 9
  sigmoid: {
    forward: sigmoid,
    wgsl: 'select(exp($0) / (1.0 + exp($0)), 1.0 / (1.0 + exp(-$0)), $0 >= 0.0)',
    vjp: (g, y) => [g.mul(y.mul(y.neg().add(1)))],
  },
  // relu'(x) = 1 for x ≥ 0, else 0: note 000 eq. 11 takes 1 at the kink
  relu: {
    forward: (x) => Math.max(x, 0),
    // Math.max branches: x itself where it is not ≤ 0 (NaN included), else +0 (−0 included), as Math.max
    source: pick('!($0 <= 0)', '$0', '0'),
    vjp: (g, _y, [x]) => [g.where(x!.ge(0), 0)],
  },
  // d sin x = cos x dx
  sin: { forward: Math.sin, source: 'Math.sin($0)', vjp: (g, _y, [x]) => [g.mul(x!.cos())] },
  // d cos x = -sin x dx
  cos: { forward: Math.cos, source: 'Math.cos($0)', vjp: (g, _y, [x]) => [g.mul(x!.sin()).neg()] },
  // d √x = dx / (2 √x)
  sqrt: { forward: Math.sqrt, source: 'Math.sqrt($0)', vjp: (g, y) => [g.div(y.mul(2))] },
  // |x|' = sign x, with 0 at the kink (the subgradient PyTorch and JAX pick)
  abs: {
    forward: Math.abs,
    source: 'Math.abs($0)',
    vjp: (g, _y, [x]) => [g.where(x!.gt(0), g.neg().where(x!.lt(0), 0))],
  },
  // softplus' = σ
  softplus: {
    forward: softplus,
    wgsl: 'max($0, 0.0) + log1p(exp(-abs($0)))',
    vjp: (g, _y, [x]) => [g.mul(x!.sigmoid())],
  },
  // d erf x = (2/√π) e^(−x²) dx
  erf: {
    forward: erf,
    wgsl: 'erf($0)',
    vjp: (g, _y, [x]) => [
      g.mul(
        x!
          .mul(x!)
          .neg()
          .exp()
          .mul(2 / Math.sqrt(Math.PI)),
      ),
    ],
  },
} satisfies Record<string, ElementwiseRule>;

/** The slope of leakyRelu below 0 when none is given, as PyTorch's `negative_slope`. */
export const LEAKY_SLOPE = 0.01;

/** leakyRelu(x) = x for x ≥ 0, slope·x below (the slope is its attribute); derivative 1 at the kink, like relu's. */
export const leakyReluRule = {
  forward: (x: number, slope: number) => (x >= 0 ? x : slope * x),
  // the slope is $1 on a GPU (a constant of the kernel)
  wgsl: 'select($1 * $0, $0, $0 >= 0.0)',
  vjp: (g, _y, [x], slope) => [g.where(x!.ge(0), g.mul(slope))],
} satisfies ElementwiseRule;

/** The two-input elementwise primitives. */
export const binaryRules = {
  // d(a + b) = da + db
  add: { forward: (a, b) => a + b, source: '($0 + $1)', vjp: (g) => [g, g] },
  // d(a b) = b da + a db
  mul: {
    forward: (a, b) => a * b,
    source: '($0 * $1)',
    // only the gradients asked for: x·0.5 needs none for its 0.5, a product over all of x
    vjp: (g, _y, [a, b]) => [a!.requiresGrad ? g.mul(b!) : null, b!.requiresGrad ? g.mul(a!) : null],
  },
  // d(a / b) = da / b - (a / b) db / b. A primitive, not a·b⁻¹, so the forward is rounded once, like a / b.
  div: {
    forward: (a, b) => a / b,
    source: '($0 / $1)',
    vjp: (g, y, [a, b]) => [a!.requiresGrad ? g.div(b!) : null, g.mul(y).div(b!).neg()],
  },
  // d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln a db; the second term only when b needs it (ln a is NaN for a < 0)
  pow: {
    forward: Math.pow,
    source: 'Math.pow($0, $1)',
    vjp: (g, y, [a, b]) => [
      a!.requiresGrad ? g.mul(b!).mul(a!.pow(b!.sub(1))) : null,
      b!.requiresGrad ? g.mul(y).mul(a!.log()) : null,
    ],
  },
  // At a tie the gradient is split evenly between a and b, as in PyTorch and JAX.
  maximum: {
    forward: Math.max,
    source: 'Math.max($0, $1)',
    vjp: (g, _y, [a, b]) => splitAtTies(g, a!.gt(b!), a!.eq(b!), a!.lt(b!)),
  },
  minimum: {
    forward: Math.min,
    source: 'Math.min($0, $1)',
    vjp: (g, _y, [a, b]) => splitAtTies(g, a!.lt(b!), a!.eq(b!), a!.gt(b!)),
  },
} satisfies Record<string, ElementwiseRule>;

/** The gradients of max(a, b) (or min): all of g to the winner, half to each at a tie. */
function splitAtTies<N extends VjpMethods<N>>(g: N, aWins: N, tie: N, bWins: N): readonly [N, N] {
  const half = g.mul(0.5);
  return [g.where(aWins, half.where(tie, 0)), g.where(bWins, half.where(tie, 0))];
}

/**
 * where(a, cond, b) = a where cond ≠ 0, else b (inputs in that order: the node's own value first).
 * d where(c, a, b) = where(c, da, 0) + where(c, 0, db); the condition gets none.
 */
export const whereRule = {
  forward: (a: number, c: number, b: number) => (c !== 0 ? a : b),
  source: pick('$1 !== 0', '$0', '$2'),
  vjp: (g, _y, [a, c, b]) => [
    a!.requiresGrad ? g.where(c!, 0) : null,
    null,
    b!.requiresGrad ? g.where(c!.eq(0), 0) : null,
  ],
} satisfies ElementwiseRule;

/** The n-ary primitives of the graph itself: Σ xᵢ as one node, and the identity that stands for an argument. */
export const naryRules = {
  // d(Σ xᵢ) = Σ dxᵢ
  sum: { forward: (...xs) => xs.reduce((s, x) => s + x, 0), vjp: (g, _y, xs) => xs.map(() => g) },
  // the identity: a fresh node for a differentiated argument (grad), so two arguments never share one
  input: { forward: (x) => x!, vjp: (g) => [g] },
} satisfies Record<string, ElementwiseRule>;

/**
 * The comparisons: 0/1 constants, not differentiable, so they record nothing and have no vjp. Their
 * loops write `+(a > b)`, the same 1 or 0 as `a > b ? 1 : 0` without its branch (see codegen's pick).
 */
export const comparisons = {
  gt: { forward: (a: number, b: number) => (a > b ? 1 : 0), source: '(+($0 > $1))' },
  ge: { forward: (a: number, b: number) => (a >= b ? 1 : 0), source: '(+($0 >= $1))' },
  lt: { forward: (a: number, b: number) => (a < b ? 1 : 0), source: '(+($0 < $1))' },
  le: { forward: (a: number, b: number) => (a <= b ? 1 : 0), source: '(+($0 <= $1))' },
  eq: { forward: (a: number, b: number) => (a === b ? 1 : 0), source: '(+($0 === $1))' },
} satisfies Record<string, ScalarForward>;

/** The name of a one-input elementwise primitive. */
export type UnaryName = keyof typeof unaryRules;
/** The name of a two-input elementwise primitive. */
export type BinaryName = keyof typeof binaryRules;
/** The name of a comparison. */
export type ComparisonName = keyof typeof comparisons;

/**
 * @internal Defines `type.prototype[name]` for each entry of `table`, non-enumerable and named as a class
 * method is: how both engines install the methods `Elementwise` declares, each closing over its entry.
 */
export function defineMethods<T, K extends string, P>(
  type: { readonly prototype: T },
  table: Record<K, P>,
  method: (name: K, entry: P) => (this: T, ...args: never[]) => T,
): void {
  for (const name of Object.keys(table) as K[]) {
    const value = method(name, table[name]);
    Object.defineProperty(value, 'name', { value: name });
    Object.defineProperty(type.prototype, name, { value, writable: true, configurable: true });
  }
}

/**
 * Every elementwise op of the tables as a method, documented once for both engines: `Value` and `Tensor`
 * implement it (a Tensor broadcasts its operands as NumPy does; a number operand is a constant).
 */
export interface Elementwise<N> extends VjpMethods<N> {
  /** this + other. */
  add(other: N | number): N;
  /** this - other (a composite: this + (-other)). */
  sub(other: N | number): N;
  /** this · other. */
  mul(other: N | number): N;
  /** this / other. */
  div(other: N | number): N;
  /** this raised to the power other. */
  pow(other: N | number): N;
  /** The larger of this and other; a tie splits the gradient evenly. */
  maximum(other: N | number): N;
  /** The smaller of this and other; a tie splits the gradient evenly. */
  minimum(other: N | number): N;
  /** -this. */
  neg(): N;
  /** eˣ. */
  exp(): N;
  /** The natural logarithm ln x. */
  log(): N;
  /** The hyperbolic tangent. */
  tanh(): N;
  /** σ(x) = 1 / (1 + e⁻ˣ), finite and with a finite slope for any finite x. */
  sigmoid(): N;
  /** max(x, 0); its derivative at 0 is 1, as [note 000 (eq. 11)](../../../../docs/derivations.md) defines it. */
  relu(): N;
  /** x for x ≥ 0, `slope`·x below (default `LEAKY_SLOPE`, 0.01); derivative 1 at 0. */
  leakyRelu(slope?: number): N;
  /** sin x. */
  sin(): N;
  /** cos x. */
  cos(): N;
  /** √x. */
  sqrt(): N;
  /** |x|; its derivative at 0 is 0. */
  abs(): N;
  /** log(1 + eˣ), finite for any finite x. */
  softplus(): N;
  /** The error function erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's, within 1 ulp); Φ(x) = (1 + erf(x/√2))/2. */
  erf(): N;
  /** 1 where this > other, else 0: a constant, not differentiable. */
  gt(other: N | number): N;
  /** 1 where this ≥ other, else 0: a constant, not differentiable. */
  ge(other: N | number): N;
  /** 1 where this < other, else 0: a constant, not differentiable. */
  lt(other: N | number): N;
  /** 1 where this ≤ other, else 0: a constant, not differentiable. */
  le(other: N | number): N;
  /** 1 where this = other, else 0: a constant, not differentiable. */
  eq(other: N | number): N;
}
