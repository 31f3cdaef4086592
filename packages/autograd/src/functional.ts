import { gradients, isGradEnabled, withGradMode } from './graph';
import { describe } from './shape';
import { record, toValue, Value } from './value';

/** The arguments `grad(f)` accepts where `f` takes a Value: a number is promoted to a Value. */
export type Lifted<A extends readonly unknown[]> = {
  [K in keyof A]: A[K] extends Value ? A[K] | number : A[K];
};

/** What `f` may return: a scalar node, or a number (a constant, whose gradient is zero). */
export type ScalarOutput = Value | number;

/**
 * JAX's `grad`: a function that returns the gradient of the scalar-valued `f` with respect to argument
 * `argnums` (default 0), or a list of gradients for a list of argnums. It never touches `.grad` fields.
 * Given numbers, the gradient is a constant Value; given Values, it stays in the graph, so `grad(grad(f))`
 * gives second derivatives.
 */
export function grad<A extends Value[], I extends number = 0>(
  f: (...args: A) => ScalarOutput,
  argnums?: I,
): (...args: Lifted<A>) => A[I];
export function grad<A extends Value[]>(
  f: (...args: A) => ScalarOutput,
  argnums: readonly number[],
): (...args: Lifted<A>) => Value[];
export function grad<A extends Value[]>(
  f: (...args: A) => ScalarOutput,
  argnums: number | readonly number[] = 0,
): (...args: Lifted<A>) => Value | Value[] {
  const withValue = valueAndGrad(f, argnums as number);
  return (...args) => withValue(...args)[1];
}

/** Like `grad`, but returns `[value, grads]`: `f`'s output and its gradient(s). */
export function valueAndGrad<A extends Value[], I extends number = 0>(
  f: (...args: A) => ScalarOutput,
  argnums?: I,
): (...args: Lifted<A>) => [ScalarOutput, A[I]];
export function valueAndGrad<A extends Value[]>(
  f: (...args: A) => ScalarOutput,
  argnums: readonly number[],
): (...args: Lifted<A>) => [ScalarOutput, Value[]];
export function valueAndGrad<A extends Value[]>(
  f: (...args: A) => ScalarOutput,
  argnums: number | readonly number[] = 0,
): (...args: Lifted<A>) => [ScalarOutput, Value | Value[]] {
  if (typeof f !== 'function') throw new TypeError(`grad: expected f to be a function, got ${describe(f)}`);
  const positions = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of positions) {
    if (!Number.isInteger(i) || i < 0) {
      throw new RangeError(`grad: expected argnums to be non-negative integers, got ${describe(i)}`);
    }
  }
  return (...args) => {
    for (const i of positions) {
      if (i >= args.length) {
        throw new RangeError(`grad: argnums ${i} is out of range for a call with ${args.length} argument(s)`);
      }
    }
    // Differentiating with respect to nodes the caller passed in keeps the result in their graph.
    const createGraph =
      isGradEnabled() && positions.some((i) => args[i] instanceof Value && args[i].requiresGrad);
    const [output, grads] = withGradMode(true, () => {
      const inputs = args.map((x, i) => (positions.includes(i) ? asInput(x) : toValue(x, 'grad')));
      const targets = positions.map((i) => inputs[i]!);
      const output = f(...(inputs as A));
      const root = toValue(output, 'grad (the output of f)');
      const found = gradients(root, toValue(1, 'grad'), targets, createGraph);
      return [output, found.map((g) => g ?? new Value(0))] as const;
    });
    return [output, typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/**
 * A fresh node standing for one differentiated argument: a leaf for a number, an identity op over a
 * Value, so two arguments that are the same Value still get their own gradients.
 */
function asInput(x: Value | number): Value {
  if (!(x instanceof Value) || !x.requiresGrad) return new Value(toValue(x, 'grad').data);
  return record(x.data, 'input', [x], (g) => [g]);
}
