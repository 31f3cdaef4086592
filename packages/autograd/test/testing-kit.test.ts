import { customOp, type Elementwise, grad, jvp, Tensor, tensor, Value } from '@adjoint/autograd';
import { compileExpression, expressionGraph, tangentsFor } from '@adjoint/autograd/arbitraries';
import { checkGrads, gradcheck, numericGrad } from '@adjoint/autograd/testing';
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

describe('checkGrads', () => {
  const cube = customOp({
    name: 'cube',
    forward: (x) => x.mul(x).mul(x),
    vjp: (g, _y, x) => [g.mul(x.mul(x)).mul(3)],
  });

  test('passes correct derivatives, to third order, in both modes, on both engines', () => {
    const x = tensor([0.3, -1.2, 2]);
    const w = tensor([
      [0.5, -1, 0.25],
      [1, 2, -0.5],
    ]);
    expect(() =>
      checkGrads(
        (a: Tensor, b: Tensor) =>
          b
            .matmul(a.reshape([3, 1]))
            .tanh()
            .mul(a.slice(0, 0, 2).reshape([2, 1])),
        [x, w],
        {
          order: 3,
          eps: 1e-4,
          atol: 1e-4,
          rtol: 1e-4,
        },
      ),
    ).not.toThrow();
    expect(() =>
      checkGrads((a: Value, b: Value) => [cube(a).mul(b.sin()), a.div(b)], [0.7, 1.3], { order: 2 }),
    ).not.toThrow();
  });

  test('finds a wrong first derivative in each mode, and a second derivative a vjp cut off', () => {
    const wrong = customOp({
      name: 'wrongCube',
      forward: (x) => x.pow(3),
      vjp: (g, _y, x) => [g.mul(x).mul(3)],
    });
    expect(() => checkGrads((a: Tensor) => wrong(a), [tensor([1.5, -0.5])], { modes: ['fwd'] })).toThrow(
      /^checkGrads: the jvp \(order 1\) of output 0, element 0, against central differences is/,
    );
    expect(() => checkGrads((a: Tensor) => wrong(a), [tensor([1.5, -0.5])], { modes: ['rev'] })).toThrow(
      /^checkGrads: ⟨vjp\(u\), v⟩ \(order 1\) against central differences is/,
    );
    // 3x² with x detached: right at first order, but its own derivative is lost
    const cut = customOp<Tensor>({
      name: 'cutCube',
      forward: (x) => x.mul(x).mul(x),
      vjp: (g, _y, x) => [g.mul(x.detach().mul(x.detach())).mul(3)],
    });
    expect(() => checkGrads((a: Tensor) => cut(a), [tensor([1.5, -0.5])])).not.toThrow();
    expect(() => checkGrads((a: Tensor) => cut(a), [tensor([1.5, -0.5])], { order: 2 })).toThrow(
      /\(order 2\)/,
    );
  });

  test('rejects what it cannot check, naming it', () => {
    expect(() => checkGrads((a: Tensor) => a, [tensor([1], { dtype: 'float32' })])).toThrow(
      'checkGrads: argument 0 is float32; finite differences need float64',
    );
    expect(() => checkGrads((a: Value) => a, [1], { order: 0 })).toThrow(
      'expected order to be an integer ≥ 1, got 0',
    );
    expect(() => checkGrads((a: Value) => a, [1], { modes: ['backward' as 'rev'] })).toThrow(
      "expected modes to be a non-empty list of 'fwd' and 'rev'",
    );
    expect(() => checkGrads((a: Value) => a, [1], { orders: 2 } as never)).toThrow(
      "checkGrads: unknown option 'orders'",
    );
  });
});

describe('arbitraries for your own ops', () => {
  const cube = customOp({
    name: 'cube',
    forward: (x) => x.mul(x).mul(x),
    vjp: (g, _y, x) => [g.mul(x.mul(x)).mul(3)],
  });
  const custom = {
    cube: { arity: 1 as const, apply: <N extends Elementwise<N>>(x: N) => cube(x as never) as N },
  };

  it.prop([expressionGraph({ inputs: 2, maxSteps: 8, ops: ['cube', 'mul', 'tanh', 'add'] })], {
    numRuns: 40,
  })('random programs that use a custom op pass checkGrads to second order', (graph) => {
    const f = compileExpression(graph, custom);
    const [a, b] = graph.inputs.map(([x]) => x!);
    checkGrads((p: Value, q: Value) => f([p, q]), [a!, b!], { order: 2, atol: 1e-4, rtol: 1e-4 });
  });

  it.prop([
    fc
      .constant([tensor([1, 2, 3], { dtype: 'float32' }), 2] as const)
      .chain((args) => fc.tuple(fc.constant(args), tangentsFor(args))),
  ])(
    "tangentsFor draws a tangent of each argument's shape and dtype, a number for a scalar",
    ([args, tangents]) => {
      const [t, n] = tangents;
      expect(t).toBeInstanceOf(Tensor);
      expect([(t as Tensor).shape, (t as Tensor).dtype, typeof n]).toEqual([[3], 'float32', 'number']);
      expect(jvp((a: Tensor) => a.mul(2), [args[0]], [t as Tensor])[1].toArray()).toEqual(
        (t as Tensor).mul(2).toArray(),
      );
    },
  );

  test('a graph that names an op custom does not give is an Error naming it', () => {
    expect(() =>
      compileExpression({ shape: [], inputs: [[1]], steps: [{ op: 'cube', a: 0, b: 0 }] }),
    ).toThrow("compileExpression: the graph uses the op 'cube', which custom does not give");
  });
});
