/**
 * `@adjoint/autograd/testing`: derivative checks for your own ops and models, and fast-check
 * arbitraries for property-based tests. Needs `fast-check` (a peer dependency) for the arbitraries.
 */
import { gradients, noGrad, withGradMode } from './graph';
import { describe } from './shape';
import { toValue, Value } from './value';

export {
  type CompiledExpression,
  compileExpression,
  type ExpressionGraph,
  expressionGraph,
} from './arbitraries';

/** What a checked function takes: scalar nodes (the Tensor engine adds its own). */
export type Checkable = Value;

/** The numeric gradient of each input: a number per Value. */
export type NumericGrads<A extends readonly Checkable[]> = { [K in keyof A]: number };

/** Options of `numericGrad`. */
export interface NumericGradOptions {
  /** The step h of the central difference (f(x + h) - f(x - h)) / 2h. Default 1e-6. */
  readonly eps?: number;
}

/** Options of `gradcheck`: the step, and the tolerance |analytic - numeric| ≤ atol + rtol·|numeric|. */
export interface GradcheckOptions extends NumericGradOptions {
  /** Default 1e-5, as PyTorch's gradcheck. */
  readonly atol?: number;
  /** Default 1e-3, as PyTorch's gradcheck. */
  readonly rtol?: number;
}

/** The one entry (input, element) that is furthest outside the tolerance, or closest to it. */
export interface GradcheckEntry {
  readonly input: number;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

/** What `gradcheck` found; it reports a mismatch, it never throws on one. */
export interface GradcheckResult {
  readonly ok: boolean;
  readonly maxAbsError: number;
  readonly maxRelError: number;
  readonly worst: GradcheckEntry | null;
}

/**
 * Central finite differences of the scalar `f(...inputs)` with respect to every input: the derivative
 * of seed 001 eq. 1 with the symmetric quotient, whose error is O(h²) instead of O(h). Each input's data
 * is nudged in place and restored exactly; nothing is recorded.
 */
export function numericGrad<A extends Checkable[]>(
  f: (...inputs: A) => Value | number,
  inputs: A,
  options: NumericGradOptions = {},
): NumericGrads<A> {
  const eps = options.eps ?? 1e-6;
  checkArguments('numericGrad', f, inputs);
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new RangeError(`numericGrad: expected eps to be a positive finite number, got ${describe(eps)}`);
  }
  const evaluate = () =>
    toValue(
      noGrad(() => f(...inputs)),
      'numericGrad (the output of f)',
    ).data;
  return inputs.map((x) => {
    const original = x.data;
    x.data = original + eps;
    const up = evaluate();
    x.data = original - eps;
    const down = evaluate();
    x.data = original;
    return (up - down) / (2 * eps);
  }) as NumericGrads<A>;
}

/**
 * Compares the gradients that backpropagation gives for the scalar `f(...inputs)` with central finite
 * differences. Leaves every `.grad` as it was.
 */
export function gradcheck<A extends Checkable[]>(
  f: (...inputs: A) => Value | number,
  inputs: A,
  options: GradcheckOptions = {},
): GradcheckResult {
  const { atol = 1e-5, rtol = 1e-3 } = options;
  checkArguments('gradcheck', f, inputs);
  for (const [name, tol] of [['atol', atol] as const, ['rtol', rtol] as const]) {
    if (typeof tol !== 'number' || !(tol >= 0)) {
      throw new RangeError(`gradcheck: expected ${name} to be a number ≥ 0, got ${describe(tol)}`);
    }
  }
  inputs.forEach((x, i) => {
    if (!x.requiresGrad)
      throw new Error(`gradcheck: input ${i} does not require grad, so it has no gradient to check`);
  });
  const analytic = withGradMode(true, () => {
    const root = toValue(f(...inputs), 'gradcheck (the output of f)');
    return gradients(root, toValue(1, 'gradcheck'), inputs, false).map((g) => g?.data ?? 0);
  });
  const numeric = numericGrad(f, inputs, options) as number[];
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradcheckEntry | null = null;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let ok = true;
  analytic.forEach((a, input) => {
    const n = numeric[input]!;
    const abs = Math.abs(a - n);
    const scale = Math.max(Math.abs(a), Math.abs(n));
    const rel = abs === 0 ? 0 : abs / scale;
    const allowed = atol + rtol * Math.abs(n);
    // NaN on either side is a failure: `abs <= allowed` is false for NaN.
    if (!(abs <= allowed)) ok = false;
    maxAbsError = Math.max(maxAbsError, Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs);
    maxRelError = Math.max(maxRelError, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
    const excess = Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs - allowed;
    if (worst === null || excess > worstExcess) {
      worst = { input, index: 0, analytic: a, numeric: n };
      worstExcess = excess;
    }
  });
  return { ok, maxAbsError, maxRelError, worst };
}

function checkArguments(caller: string, f: unknown, inputs: unknown): void {
  if (typeof f !== 'function')
    throw new TypeError(`${caller}: expected f to be a function, got ${describe(f)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new TypeError(
      `${caller}: expected inputs to be a non-empty array of Values, got ${describe(inputs)}`,
    );
  }
  inputs.forEach((x, i) => {
    if (!(x instanceof Value))
      throw new TypeError(`${caller}: expected input ${i} to be a Value, got ${describe(x)}`);
  });
}
