import { asTensor, Tensor } from '../tensor.js';
import { toValue, type Value } from '../value.js';

/**
 * `a` where `cond` is nonzero, `b` elsewhere, for Values or Tensors (broadcasting); the gradient goes to
 * the branch taken only.
 *
 * The trap: `where(x.gt(0), x.sqrt(), 0)` still evaluates `x.sqrt()` everywhere, and where x < 0 its vjp
 * computes 0 / NaN = NaN, so x's gradient is NaN although that branch was not taken. The fix is a second
 * where that keeps the untaken branch's input inside its domain:
 * `where(x.gt(0), where(x.gt(0), x, 1).sqrt(), 0)`.
 */
export function where<N extends Value | Tensor>(cond: N | number, a: N | number, b: N | number): N {
  if (a instanceof Tensor || b instanceof Tensor || cond instanceof Tensor) {
    // a number branch takes the other branch's dtype, as a number operand does everywhere
    const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float64';
    return asTensor(a, 'where', dtype).where(asTensor(cond, 'where'), asTensor(b, 'where', dtype)) as N;
  }
  return toValue(a as Value | number, 'where').where(
    toValue(cond as Value | number, 'where'),
    toValue(b as Value | number, 'where'),
  ) as N;
}
