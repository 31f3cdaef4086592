// testing/: the two test-kit entries. checks.ts (`@adjoint/autograd/testing`) needs nothing installed;
// arbitraries.ts (`@adjoint/autograd/arbitraries`) needs fast-check. Both import the engine, never each other.
/**
 * `@adjoint/autograd/testing`: derivative checks for your own ops and models, by central differences.
 * Needs nothing else installed; the fast-check arbitraries are in `@adjoint/autograd/arbitraries`.
 *
 * @packageDocumentation
 * @module @adjoint/autograd/testing
 */
import type { Differentiable } from '../functional.js';
import { gradients, noGrad, withGradMode } from '../graph.js';
import { checkOptions, describe, formatShape, ShapeError } from '../shape.js';
import { filled, Tensor } from '../tensor.js';
import { toValue, Value } from '../value.js';

export { type CheckGradsOptions, checkGrads } from './check-grads.js';

/** The numeric gradient of each input: a number per Value, a Tensor of its shape per Tensor. */
export type NumericGrads<A extends readonly Differentiable[]> = {
  [K in keyof A]: A[K] extends Tensor ? Tensor : number;
};

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
 * Central finite differences of the scalar `f(...inputs)` with respect to every element of every input:
 * the derivative of [note 001 eq. 1](../../../../docs/derivations.md) with the symmetric quotient, whose error is O(h²) instead of O(h).
 * Each element is nudged in place and restored exactly; nothing is recorded. Costs two evaluations of
 * `f` per element.
 */
export function numericGrad<A extends Differentiable[]>(
  f: (...inputs: A) => Value | Tensor | number,
  inputs: A,
  options: NumericGradOptions = {},
): NumericGrads<A> {
  checkOptions('numericGrad', options, ['eps']);
  const eps = options.eps ?? 1e-6;
  checkArguments('numericGrad', f, inputs);
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new RangeError(`numericGrad: expected eps to be a positive finite number, got ${describe(eps)}`);
  }
  const evaluate = () =>
    scalarOf(
      'numericGrad',
      noGrad(() => f(...inputs)),
    );
  return inputs.map((x) => {
    const partials = elementsOf(x).map((_, i) => {
      const original = read(x, i);
      write(x, i, original + eps);
      const up = evaluate();
      write(x, i, original - eps);
      const down = evaluate();
      write(x, i, original);
      return (up - down) / (2 * eps);
    });
    return x instanceof Tensor ? new Tensor(Float64Array.from(partials), x.shape) : partials[0];
  }) as NumericGrads<A>;
}

/**
 * Compares the gradients that backpropagation gives for the scalar `f(...inputs)` with central finite
 * differences. Leaves every `.grad` as it was.
 *
 * @example
 * {@includeCode ../../doc-examples/gradcheck.ts}
 */
export function gradcheck<A extends Differentiable[]>(
  f: (...inputs: A) => Value | Tensor | number,
  inputs: A,
  options: GradcheckOptions = {},
): GradcheckResult {
  checkOptions('gradcheck', options, ['eps', 'atol', 'rtol']);
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
    const root = f(...inputs);
    scalarOf('gradcheck', root);
    const grads =
      root instanceof Tensor
        ? gradients(root, filled(root.shape, 1), inputs as Tensor[], false)
        : gradients(toValue(root, 'gradcheck'), toValue(1, 'gradcheck'), inputs as Value[], false);
    return grads.map((g, i) => (g === null ? elementsOf(inputs[i]!).map(() => 0) : elementsOf(g)));
  });
  const numeric = (
    numericGrad(f, inputs, options.eps === undefined ? {} : { eps: options.eps }) as (number | Tensor)[]
  ).map(elementsOf);
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradcheckEntry | null = null;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let ok = true;
  analytic.forEach((as, input) => {
    as.forEach((a, index) => {
      const n = numeric[input]![index]!;
      const abs = Math.abs(a - n);
      const rel = abs === 0 ? 0 : abs / Math.max(Math.abs(a), Math.abs(n));
      const allowed = atol + rtol * Math.abs(n);
      // NaN on either side is a failure: `abs <= allowed` is false for NaN.
      if (!(abs <= allowed)) ok = false;
      maxAbsError = Math.max(maxAbsError, Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs);
      maxRelError = Math.max(maxRelError, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
      const excess = Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs - allowed;
      if (worst === null || excess > worstExcess) {
        worst = { input, index, analytic: a, numeric: n };
        worstExcess = excess;
      }
    });
  });
  return { ok, maxAbsError, maxRelError, worst };
}

/**
 * Asserts |actual - expected| ≤ atol + rtol·|expected| for numbers, arrays of numbers or Tensors
 * (elementwise, same shape), and throws an Error naming the first element that is off, with both values.
 * NaN never passes. Works under any test runner.
 */
export function assertClose(
  actual: number | ArrayLike<number> | Tensor,
  expected: number | ArrayLike<number> | Tensor,
  options: { readonly rtol?: number; readonly atol?: number } = {},
): void {
  checkOptions('assertClose', options, ['rtol', 'atol']);
  const { rtol = 1e-12, atol = 0 } = options;
  const a = flat(actual);
  const e = flat(expected);
  if (
    actual instanceof Tensor &&
    expected instanceof Tensor &&
    formatShape(actual.shape) !== formatShape(expected.shape)
  ) {
    throw new ShapeError(
      `assertClose: shapes ${formatShape(actual.shape)} and ${formatShape(expected.shape)} differ`,
    );
  }
  if (a.length !== e.length)
    throw new ShapeError(`assertClose: ${a.length} values against ${e.length} expected`);
  for (let i = 0; i < a.length; i++) {
    const allowed = atol + rtol * Math.abs(e[i]!);
    if (!(Math.abs(a[i]! - e[i]!) <= allowed)) {
      const at = a.length === 1 && typeof actual === 'number' ? '' : ` at element ${i}`;
      throw new Error(
        `assertClose: expected ${a[i]} to be within ${allowed} of ${e[i]}${at} (difference ${a[i]! - e[i]!})`,
      );
    }
  }
}

function flat(x: number | ArrayLike<number> | Tensor): ArrayLike<number> {
  if (typeof x === 'number') return [x];
  return x instanceof Tensor ? x.data : x;
}

function checkArguments(caller: string, f: unknown, inputs: unknown): void {
  if (typeof f !== 'function')
    throw new TypeError(`${caller}: expected f to be a function, got ${describe(f)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new TypeError(
      `${caller}: expected inputs to be a non-empty array of Values or Tensors, got ${describe(inputs)}`,
    );
  }
  inputs.forEach((x, i) => {
    if (!(x instanceof Value) && !(x instanceof Tensor)) {
      throw new TypeError(`${caller}: expected input ${i} to be a Value or a Tensor, got ${describe(x)}`);
    }
    // a float32 step of 1e-6 is below the rounding of most elements: the differences would be noise
    if (x instanceof Tensor && x.dtype !== 'float64') {
      throw new TypeError(
        `${caller}: input ${i} is ${x.dtype}; finite differences need float64 (call .astype('float64'))`,
      );
    }
  });
}

/** f's output as a number: a Value, a one-element Tensor or a number. */
function scalarOf(caller: string, output: unknown): number {
  if (output instanceof Tensor) {
    if (output.size !== 1)
      throw new ShapeError(`${caller}: f must return a scalar, got shape ${formatShape(output.shape)}`);
    return output.data[0]!;
  }
  return toValue(output as Value | number, `${caller} (the output of f)`).data;
}

function elementsOf(x: Differentiable | number): number[] {
  if (typeof x === 'number') return [x];
  return x instanceof Tensor ? Array.from(x.data) : [x.data];
}

function read(x: Differentiable, i: number): number {
  return x instanceof Tensor ? x.data[i]! : x.data;
}

function write(x: Differentiable, i: number, v: number): void {
  if (x instanceof Tensor) x.data[i] = v;
  else x.data = v;
}
