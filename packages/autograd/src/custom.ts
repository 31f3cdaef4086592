import { noGrad, type Vjp } from './graph.js';
import type { Elementwise } from './rules/elementwise.js';
import { customRule } from './scalar-rules.js';
import { checkOptions, describe } from './shape.js';
import { recordTensor, storageOf, Tensor } from './tensor.js';
import { inDTypes } from './tensor-rules.js';
import { recordValue, Value } from './value.js';

/** A user-defined primitive over Values or over Tensors: a forward and its vjp, side by side. */
export interface CustomOpSpec<N extends Value | Tensor> {
  /** The op's name, shown by `toDot` and in error messages. */
  readonly name: string;
  /** The op's output; evaluated without recording. */
  readonly forward: (...inputs: N[]) => N;
  /** Given the output's adjoint `g` and the output `y`, one gradient per input (or null), shaped like it. */
  readonly vjp: (g: N, y: N, ...inputs: N[]) => readonly (N | null)[];
}

/** A custom op written once for both engines, with the elementwise methods Value and Tensor share. */
export interface PolymorphicOpSpec {
  /** The op's name, shown by `toDot` and in error messages. */
  readonly name: string;
  /** The op's output; evaluated without recording. */
  readonly forward: <N extends Elementwise<N>>(...inputs: N[]) => N;
  /** Given the output's adjoint `g` and the output `y`, one gradient per input (or null), shaped like it. */
  readonly vjp: <N extends Elementwise<N>>(g: N, y: N, ...inputs: N[]) => readonly (N | null)[];
}

/**
 * Declares a primitive op from its forward and its vjp, the way the built-in ops are declared. The vjp
 * is written with differentiable ops, so `createGraph` differentiates through it too. Written with the
 * methods both engines share, one op works on Values and on Tensors; `customOp<Tensor>({ … })` may use
 * every Tensor method. All inputs of one call must be of one kind.
 *
 * @example
 * {@includeCode ../doc-examples/custom-op.ts}
 */
export function customOp(spec: PolymorphicOpSpec): <N extends Value | Tensor>(...inputs: N[]) => N;
/** A custom op for one engine (`customOp<Tensor>({ … })`): its forward and vjp may use every method of that engine. */
export function customOp<N extends Value | Tensor>(spec: CustomOpSpec<N>): (...inputs: N[]) => N;
export function customOp<N extends Value | Tensor>(spec: CustomOpSpec<N>): (...inputs: N[]) => N {
  checkOptions('customOp', spec, ['name', 'forward', 'vjp']);
  const { name, forward } = spec;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`customOp: expected name to be a non-empty string, got ${describe(name)}`);
  }
  if (typeof forward !== 'function' || typeof spec.vjp !== 'function') {
    throw new TypeError(`customOp ${name}: expected forward and vjp to be functions`);
  }
  // A user's vjp may return anything: each gradient is checked here, by the engine, before any is used.
  const vjp = (g: N, y: N, inputs: readonly N[]) => checkGradients(name, spec.vjp(g, y, ...inputs), inputs);
  const valueRule = customRule(name, vjp as unknown as Vjp<Value>);
  return (...inputs) => {
    if (inputs.length === 0) throw new TypeError(`${name}: expected at least one input`);
    const kind = inputs[0] instanceof Tensor ? Tensor : Value;
    inputs.forEach((x, i) => {
      if (!(x instanceof kind))
        throw new TypeError(
          `${name}: input ${i} is ${describe(x)}; expected every input to be a ${kind.name}`,
        );
    });
    const y = noGrad(() => forward(...inputs));
    if (!(y instanceof kind))
      throw new TypeError(`${name}: forward must return a ${kind.name}, got ${describe(y)}`);
    if (y instanceof Tensor)
      // the gradients are cast to their inputs' dtypes, as the built-in ops' are (and as PyTorch does)
      return recordTensor(
        storageOf(y),
        y.shape,
        inputs as Tensor[],
        inDTypes({ name, vjp: vjp as unknown as Vjp<Tensor> }),
      ) as N;
    return recordValue((y as Value).data, inputs as Value[], valueRule) as N;
  };
}

/**
 * What a custom op's vjp returned, checked: an array with one entry per input, each a node of the inputs'
 * kind, or null for an input that needs no gradient. Shapes are checked by the sweep, as for every op.
 */
function checkGradients<N extends Value | Tensor>(
  name: string,
  grads: unknown,
  inputs: readonly N[],
): (N | null)[] {
  if (!Array.isArray(grads)) {
    throw new TypeError(
      `vjp of ${name}: expected an array of gradients, one per input, got ${describe(grads)}`,
    );
  }
  if (grads.length !== inputs.length) {
    throw new Error(
      `vjp of ${name}: expected ${inputs.length} gradient(s), one per input, got ${grads.length}`,
    );
  }
  const kind = inputs[0] instanceof Tensor ? Tensor : Value;
  return grads.map((gj: unknown, j) => {
    if (gj === null) {
      if (inputs[j]!.requiresGrad)
        throw new TypeError(
          `vjp of ${name}: the gradient for input ${j} is null, but input ${j} requires grad`,
        );
      return null;
    }
    if (!(gj instanceof kind)) {
      throw new TypeError(
        `vjp of ${name}: the gradient for input ${j} is ${describe(gj)}, expected a ${kind.name} or null`,
      );
    }
    return gj as N;
  });
}
