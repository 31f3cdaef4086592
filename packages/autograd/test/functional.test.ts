import { grad, noGrad, Value, valueAndGrad } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import { expectClose } from './close';

describe('grad and valueAndGrad', () => {
  test('grad(f)(number) is the derivative, as a Value', () => {
    const d = grad((x: Value) => x.mul(x).mul(x))(2);
    expect(d).toBeInstanceOf(Value);
    expect(d.data).toBe(12);
  });

  test('grad never touches the .grad of the Values it is given', () => {
    const x = new Value(1.5);
    x.grad = 7;
    const d = grad((v: Value) => v.sin())(x);
    expect(d.data).toBe(Math.cos(1.5));
    expect(x.grad).toBe(7);
  });

  test('a list of argnums gives a list of gradients, in that order', () => {
    const f = (a: Value, b: Value, c: Value) => a.mul(b).add(c.pow(2));
    const [dc, da] = grad(f, [2, 0])(1, 2, 3);
    expect([dc!.data, da!.data]).toEqual([6, 2]);
  });

  test('the same Value passed as two arguments gets a separate gradient for each', () => {
    const x = new Value(3);
    const [da, db] = grad((a: Value, b: Value) => a.mul(b.mul(b)), [0, 1])(x, x);
    expect([da!.data, db!.data]).toEqual([9, 18]);
  });

  test('valueAndGrad returns the value of f with the gradient', () => {
    const [value, d] = valueAndGrad((x: Value) => x.exp())(0.5);
    expect((value as Value).data).toBe(Math.exp(0.5));
    expect(d.data).toBe(Math.exp(0.5));
  });

  test('an argument f does not use has gradient 0; so does a constant output', () => {
    expect(grad((_x: Value, y: Value) => y.mul(2), 0)(1, 2).data).toBe(0);
    expect(grad((_x: Value) => 3)(1).data).toBe(0);
  });

  test('grad works inside noGrad, and its result is then a constant', () => {
    const d = noGrad(() => grad((x: Value) => x.pow(2))(new Value(3)));
    expect(d.data).toBe(6);
    expect(d.requiresGrad).toBe(false);
  });

  test('a function that uses its own derivative nests: d/dx [x · f′(x)] for f = x³ is 9x²', () => {
    const df = grad((x: Value) => x.pow(3));
    expectClose(grad((x: Value) => x.mul(df(x)))(2).data, 36);
  });

  test('bad argnums are rejected with the values involved', () => {
    expect(() => grad((x: Value) => x, 1.5)).toThrow(
      'grad: expected argnums to be non-negative integers, got 1.5',
    );
    expect(() => grad((x: Value) => x, 2)(1)).toThrow(
      'grad: argnums 2 is out of range for a call with 1 argument(s)',
    );
    expect(() => grad(3 as never)).toThrow('grad: expected f to be a function, got 3');
  });
});
