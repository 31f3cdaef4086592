import { normalizeAxis } from '../ndarray.js';
import { layoutRules } from '../rules/layout.js';
import { describe, formatShape, ShapeError, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Joins tensors end to end along an existing `axis` (default 0); every other axis must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkTensors('concat', tensors);
  const a = normalizeAxis('concat', axis, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(
        `concat: shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} differ on an axis other than ${axis}`,
      );
    }
  }
  return tensors.length === 1 ? first : first.applyRule('concat', layoutRules.concat, a, tensors.slice(1));
}

/** Joins equal-shaped tensors along a new `axis` (default 0). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkTensors('stack', tensors);
  const a = normalizeAxis('stack', axis, first.ndim + 1);
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError(
        `stack: expected equal shapes, got ${tensors.map((x) => formatShape(x.shape)).join(', ')}`,
      );
    }
  }
  const expanded = [...first.shape.slice(0, a), 1, ...first.shape.slice(a)];
  return concat(
    tensors.map((t) => t.reshape(expanded)),
    a,
  );
}

function checkTensors(op: string, tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(`${op}: expected a non-empty array of Tensors, got ${describe(tensors)}`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: element ${i} is ${describe(t)}, not a Tensor`);
  });
  return tensors[0]!;
}
