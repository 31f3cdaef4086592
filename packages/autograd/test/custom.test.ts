import { customOp, grad, toDot, Value } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';
import { describe, expect, test } from 'vitest';

const cube = customOp({
  name: 'cube',
  forward: (x) => x.mul(x).mul(x),
  vjp: (g, _y, x) => [g.mul(x.mul(x)).mul(3)],
});

describe('customOp', () => {
  test('records one node named after the op, whose only parents are the inputs', () => {
    const x = new Value(2);
    const y = cube(x);
    expect([y.data, y.op, y.parents]).toEqual([8, 'cube', [x]]);
    y.backward();
    expect(x.grad).toBe(12);
    expect(toDot(y)).toContain('[label="cube", shape=ellipse]');
  });

  test('its vjp is differentiated too: the second derivative of cube is 6x', () => {
    expect(grad(grad((x: Value) => cube(x)))(1.5).data).toBe(9);
  });

  test('gradcheck passes a correct vjp and catches a wrong one', () => {
    expect(gradcheck((x) => cube(x), [new Value(1.3)]).ok).toBe(true);
    const wrong = customOp({
      name: 'wrongCube',
      forward: (x) => x.pow(3),
      vjp: (g, _y, x) => [g.mul(x).mul(3)],
    });
    const report = gradcheck((x) => wrong(x), [new Value(1.3)]);
    expect(report.ok).toBe(false);
    expect(report.worst).toMatchObject({ input: 0, index: 0 });
    expect(report.worst!.analytic).toBeCloseTo(3.9, 12);
    expect(report.worst!.numeric).toBeCloseTo(3 * 1.3 ** 2, 6);
    expect(report.maxAbsError).toBeCloseTo(3 * 1.3 ** 2 - 3.9, 6);
  });

  test('a vjp that returns the wrong number of gradients fails at backward, naming the op', () => {
    const bad = customOp({ name: 'bad', forward: (x) => x.exp(), vjp: (g) => [g, g] });
    expect(() => bad(new Value(0)).backward()).toThrow(
      'vjp of bad: expected 1 gradient(s), one per input, got 2',
    );
  });

  test('a spec without a name or functions is rejected', () => {
    expect(() => customOp({ name: '', forward: (x) => x, vjp: (g) => [g] })).toThrow('non-empty string');
    expect(() => customOp({ name: 'f', forward: 1 as never, vjp: (g) => [g] })).toThrow('functions');
  });
});
