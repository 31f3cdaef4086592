import { grad, Value } from '@adjoint/autograd';
import { compileExpression, expressionGraph } from '@adjoint/autograd/arbitraries';
import { gradcheck, numericGrad } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { expectClose } from './close';

describe('numericGrad', () => {
  test('central differences are O(h²) accurate and leave the inputs exactly as they were', () => {
    const x = new Value(0.1 + 0.2);
    const y = new Value(-1.7);
    const [dx, dy] = numericGrad((a, b) => a.mul(a).mul(b), [x, y]);
    expectClose(dx, 2 * 0.30000000000000004 * -1.7, 1e-9);
    expectClose(dy, 0.30000000000000004 ** 2, 1e-9);
    expect([x.data, y.data]).toEqual([0.1 + 0.2, -1.7]);
  });

  test('a non-positive eps is rejected', () => {
    expect(() => numericGrad((a) => a, [new Value(1)], { eps: 0 })).toThrow(
      'expected eps to be a positive finite number, got 0',
    );
  });
});

describe('gradcheck', () => {
  test('reports ok for a correct gradient and leaves .grad alone', () => {
    const x = new Value(0.4);
    x.grad = 5;
    const report = gradcheck((v) => v.tanh().mul(v.exp()), [x]);
    expect(report.ok).toBe(true);
    expect(report.maxAbsError).toBeLessThan(1e-8);
    expect(x.grad).toBe(5);
  });

  test('reports a NaN gradient as a failure instead of throwing', () => {
    // sqrt at 0: the analytic slope is infinite and the central difference is NaN
    const report = gradcheck((v) => v.sqrt(), [new Value(0)]);
    expect(report.ok).toBe(false);
    expect(report.maxAbsError).toBe(Number.POSITIVE_INFINITY);
  });

  test('rejects inputs that cannot have a gradient', () => {
    const constant = new Value(1).gt(0);
    expect(() => gradcheck((v) => v, [constant])).toThrow('gradcheck: input 0 does not require grad');
    expect(() => gradcheck((v) => v, [] as unknown as [Value])).toThrow('non-empty array');
    expect(() => gradcheck((v) => v, [new Value(1)], { rtol: -1 })).toThrow('rtol');
  });
});

describe('random expression graphs', () => {
  it.prop([expressionGraph({ inputs: 3, maxSteps: 16 })])(
    'backprop equals central differences through shared sub-expressions, diamonds and chains',
    (graph) => {
      const f = compileExpression(graph);
      const leaves = graph.inputs.map(([x]) => new Value(x!));
      const report = gradcheck((...xs) => f(xs), leaves, { atol: 1e-6, rtol: 1e-6 });
      if (!report.ok) expect.fail(`${f.program.join('; ')}: ${JSON.stringify(report)}`);
    },
  );

  it.prop([expressionGraph({ inputs: 2, maxSteps: 8 })])(
    'second derivatives by grad(grad(f)) equal central differences of grad(f)',
    (graph) => {
      const f = compileExpression(graph);
      const [[x0], [y0]] = graph.inputs as [[number], [number]];
      const dfdx = (x: Value) => grad((v: Value) => f([v, new Value(y0)]))(x);
      const report = gradcheck(dfdx, [new Value(x0)], { atol: 1e-5, rtol: 1e-5 });
      if (!report.ok) expect.fail(`${f.program.join('; ')}: ${JSON.stringify(report)}`);
    },
  );

  it.prop([fc.integer({ min: 50, max: 400 })])(
    'a long chain of ops stays in the domain and checks out',
    (steps) => {
      const graph = {
        shape: [],
        inputs: [[0.5]],
        steps: Array.from({ length: steps }, (_, k) => ({
          op: (['tanh', 'mul', 'sin', 'add'] as const)[k % 4]!,
          a: 0,
          b: k % 3,
        })),
      };
      const f = compileExpression(graph);
      const report = gradcheck((x) => f([x]), [new Value(0.5)], { atol: 1e-7, rtol: 1e-6 });
      expect(report.ok).toBe(true);
    },
  );

  test('an op outside its domain at the base point is replaced by tanh of its argument', () => {
    const f = compileExpression({ shape: [], inputs: [[-2]], steps: [{ op: 'log', a: 0, b: 0 }] });
    expect(f.program).toEqual(['v1 = tanh(v0)']);
    expect(f([new Value(-2)]).data).toBe(Math.tanh(-2));
  });
});
