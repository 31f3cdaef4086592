// `internal`, a namespace of the public entry: what @adjoint/nn shares with the engine (the wording of
// errors, the checks of options and float32 ranges, one-hot rows that name their caller). Not part of
// the public API: it may change in any release. A namespace of the main entry rather than a subpath, so
// that a page whose import map names the two packages (as the README's does) still loads @adjoint/nn.
import { oneHot } from './ops/layout.js';
import { Tensor } from './tensor.js';

export { checkFloat32, MAX_ELEMENTS } from './ndarray.js';
export { checkArity, checkOptions, closest, describe, formatShape } from './shape.js';

/** `oneHot(labels, classes)`, whose errors (a label that is not a class index) name `op`. */
export function oneHotFor(labels: Tensor, classes: number, op: string): Tensor {
  return oneHot<Tensor>(labels, classes, op);
}

/**
 * Puts `source`'s values into the leaf `target` in place, on its device (an optimizer's step on a GPU);
 * with `move`, makes `source`'s array `target`'s own (a model moved to another device).
 */
export function overwrite(target: Tensor, source: Tensor, move = false): void {
  Tensor.overwrite(target, source, move);
}
