import { noGrad, type Vjp } from './graph';
import { describe } from './shape';
import { record, Value } from './value';

/** A user-defined primitive: a forward and its vector-Jacobian product, side by side. */
export interface CustomOpSpec {
  /** The op's name, shown by `toDot` and in error messages. */
  readonly name: string;
  /** The op's output; evaluated without recording. */
  readonly forward: (...inputs: Value[]) => Value;
  /** Given the output's adjoint `g` and the output `y`, one gradient per input (or null). */
  readonly vjp: (g: Value, y: Value, ...inputs: Value[]) => readonly (Value | null)[];
}

/**
 * Declares a primitive op from its forward and its vjp, the way the built-in ops are declared. The vjp
 * is written with differentiable ops, so `createGraph` differentiates through it too.
 */
export function customOp(spec: CustomOpSpec): (...inputs: (Value | number)[]) => Value {
  const { name, forward } = spec;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`customOp: expected name to be a non-empty string, got ${describe(name)}`);
  }
  if (typeof forward !== 'function' || typeof spec.vjp !== 'function') {
    throw new TypeError(`customOp ${name}: expected forward and vjp to be functions`);
  }
  const vjp: Vjp<Value> = (g, y, inputs) => spec.vjp(g, y, ...inputs);
  return (...args) => {
    const inputs = args.map((x) => (x instanceof Value ? x : new Value(x)));
    const y = noGrad(() => forward(...inputs));
    if (!(y instanceof Value))
      throw new TypeError(`${name}: forward must return a Value, got ${describe(y)}`);
    return record(y.data, name, inputs, vjp);
  };
}
