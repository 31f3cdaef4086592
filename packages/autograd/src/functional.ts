import { gradients, isGradEnabled, withGradMode } from './graph.js';
import { naryRules } from './rules/elementwise.js';
import { describe, formatShape, ShapeError } from './shape.js';
import { filledLike, recordTensor, storageOf, Tensor } from './tensor.js';
import { elementwise } from './tensor-rules.js';
import { INPUT, recordValue, toValue, Value } from './value.js';

/** A node of either engine, a scalar Value or a Tensor: what `grad`, the checks and the optimizers take. */
export type Differentiable = Value | Tensor;

/** The arguments `grad(f)` accepts where `f` takes a Value: a number is promoted to a Value. */
export type Lifted<A extends readonly unknown[]> = {
  [K in keyof A]: A[K] extends Value ? A[K] | number : A[K];
};

/**
 * What `grad(f)` returns: callable with numbers where `f` takes Values. The exact signature comes last,
 * because TypeScript infers from the last one, so `grad(grad(f))` sees `f`'s own parameters.
 */
export type GradFn<A extends unknown[], R> = ((...args: Lifted<A>) => R) & ((...args: A) => R);

/** What `f` may return: a scalar node (a one-element Tensor counts), or a number (a constant). */
export type ScalarOutput = Value | Tensor | number;

/**
 * JAX's `grad`: a function that returns the gradient of the scalar-valued `f` with respect to argument
 * `argnums` (default 0), or a list of gradients for a list of argnums, each shaped like its argument.
 * It never touches `.grad` fields. Given numbers (or tensors that do not require grad) the gradients are
 * constants; given nodes that require grad, they stay in the graph, so `grad(grad(f))` composes.
 *
 * @example
 * {@includeCode ../doc-examples/grad.ts}
 */
export function grad<A extends Differentiable[], I extends number = 0>(
  f: (...args: A) => ScalarOutput,
  argnums?: I,
): GradFn<A, A[I]>;
/** `grad` with a list of argnums: one gradient per listed argument, in that order. */
export function grad<A extends Differentiable[]>(
  f: (...args: A) => ScalarOutput,
  argnums: readonly number[],
): GradFn<A, A[number][]>;
export function grad<A extends Differentiable[]>(
  f: (...args: A) => ScalarOutput,
  argnums: number | readonly number[] = 0,
): GradFn<A, Differentiable | Differentiable[]> {
  const withValue = valueAndGrad(f, argnums as number);
  return (...args: Lifted<A>) => withValue(...args)[1];
}

/**
 * Like `grad`, but returns `[value, grads]`: `f`'s output and its gradient(s).
 *
 * @example
 * {@includeCode ../doc-examples/value-and-grad.ts}
 */
export function valueAndGrad<A extends Differentiable[], I extends number = 0>(
  f: (...args: A) => ScalarOutput,
  argnums?: I,
): GradFn<A, [ScalarOutput, A[I]]>;
/** `valueAndGrad` with a list of argnums: `[value, grads]` with one gradient per listed argument. */
export function valueAndGrad<A extends Differentiable[]>(
  f: (...args: A) => ScalarOutput,
  argnums: readonly number[],
): GradFn<A, [ScalarOutput, A[number][]]>;
export function valueAndGrad<A extends Differentiable[]>(
  f: (...args: A) => ScalarOutput,
  argnums: number | readonly number[] = 0,
): GradFn<A, [ScalarOutput, Differentiable | Differentiable[]]> {
  if (typeof f !== 'function') throw new TypeError(`grad: expected f to be a function, got ${describe(f)}`);
  if (typeof argnums !== 'number' && !Array.isArray(argnums))
    throw new TypeError(
      `grad: expected argnums to be an argument's position or an array of them (grad(f, 1), grad(f, [0, 1])), got ${describe(argnums)}`,
    );
  const positions = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of positions) {
    if (!Number.isInteger(i) || i < 0) {
      throw new RangeError(`grad: expected argnums to be non-negative integers, got ${describe(i)}`);
    }
  }
  return (...args: Lifted<A>) => {
    for (const i of positions) {
      if (i >= args.length) {
        throw new RangeError(`grad: argnums ${i} is out of range for a call with ${args.length} argument(s)`);
      }
    }
    // Differentiating with respect to nodes the caller passed in keeps the result in their graph.
    const createGraph = isGradEnabled() && positions.some((i) => isNode(args[i]) && args[i].requiresGrad);
    const [output, grads] = withGradMode(true, () => {
      const inputs = args.map((x, i) =>
        positions.includes(i) ? asInput(x) : x instanceof Tensor ? x : toValue(x, 'grad'),
      );
      const targets = positions.map((i) => inputs[i]!);
      const output = f(...(inputs as A));
      const root = scalarRoot(output);
      const found =
        root instanceof Tensor
          ? gradients(root, filledLike(root, root.shape, 1), targets as Tensor[], createGraph)
          : gradients(root, toValue(1, 'grad'), targets as Value[], createGraph);
      return [output, found.map((g, k) => g ?? zerosLike(targets[k]!))] as const;
    });
    return [output, typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/** @internal Whether `x` is a node of either engine. */
export function isNode(x: unknown): x is Differentiable {
  return x instanceof Value || x instanceof Tensor;
}

/** The output of f as a node to differentiate: a Value, or a one-element Tensor. */
function scalarRoot(output: unknown): Value | Tensor {
  if (output instanceof Tensor) {
    if (output.size !== 1)
      throw new ShapeError(`grad: f must return a scalar, got shape ${formatShape(output.shape)}`);
    return output;
  }
  return toValue(output as Value | number, 'grad (the output of f)');
}

/** @internal Zeros shaped like `x`, a constant of its engine and dtype. */
export function zerosLike(x: Differentiable): Differentiable {
  return x instanceof Tensor ? filledLike(x, x.shape, 0) : toValue(0, 'grad');
}

/** The identity op that stands for a differentiated Tensor argument (value.ts binds the Value one). */
const TENSOR_INPUT = elementwise<Tensor>('input', naryRules.input);

/**
 * @internal A fresh node standing for one differentiated argument: a leaf for a number or for a node that needs
 * no gradient, an identity op over a node that does, so two arguments that are the same node still get
 * their own gradients.
 */
export function asInput(x: unknown): Differentiable {
  if (x instanceof Tensor) {
    if (!x.requiresGrad) {
      const leaf = x.detach();
      leaf.requiresGrad = true;
      return leaf;
    }
    return recordTensor(storageOf(x), x.shape, [x], TENSOR_INPUT);
  }
  if (!(x instanceof Value) || !x.requiresGrad) return new Value(toValue(x as number, 'grad').data);
  return recordValue(x.data, [x], INPUT);
}
