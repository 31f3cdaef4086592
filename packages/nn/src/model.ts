import type { Differentiable, Tensor } from '@adjoint/autograd';
import type { ModelJSON } from './formats/json.js';
import type { StateJSON } from './formats/state.js';
import type { Prediction, Target } from './losses.js';

/**
 * What a model provides on either engine, so `fit`, the losses, the metrics and the optimizers need not
 * know which engine it runs on. `Out` is its output for a batch (a Tensor [N, outputs] on the Tensor
 * engine, rows of Values on the scalar one) and `Tgt` the targets in the form its losses pair with it.
 */
export interface Model<Out extends Prediction = Prediction, Tgt extends Target = Target> {
  /** Which engine the model computes on: 'tensor' (`mlp`) or 'scalar' (`scalarMlp`). */
  readonly engine: 'tensor' | 'scalar';
  /** The outputs for a batch of samples, the rows of `x` [N, inputs]. */
  forwardBatch(x: Tensor): Out;
  /** The targets of a batch (the rows of `y`) in the form the losses pair with `forwardBatch`'s output. */
  targets(y: Tensor): Tgt;
  /** The trainable parameters, in the documented order of each engine. */
  parameters(): Differentiable[];
  /** The parameters with their names ('0.weight' on the Tensor engine, '0.2.w1' on the scalar one). */
  namedParameters(): [string, Differentiable][];
  /** The saved form: a spec'd model's ModelJSON (which `loadModel` reads), or a model in code's StateJSON. */
  toJSON(): ModelJSON | StateJSON;
  /** Loads saved parameters into this model: checked whole first, so a failed load changes nothing. */
  loadState(json: unknown): void;
  /** True in training mode (the default), false in evaluation mode, where dropout passes inputs through. */
  readonly training: boolean;
  /** Sets training mode (or evaluation mode, with false); returns the model. */
  train(mode?: boolean): this;
  /** Sets evaluation mode: `train(false)`. */
  eval(): this;
}

/** @internal The key Node.js's util.inspect looks for (the same symbol as autograd's): how a model prints. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** @internal "1,234 parameters": how a model's printout counts its numbers. */
export function countParameters(count: number): string {
  return `${count.toLocaleString('en-US')} parameter${count === 1 ? '' : 's'}`;
}
