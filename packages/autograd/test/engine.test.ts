import { customOp, noGrad, ShapeError, tensor, Value } from '@adjoint/autograd';
import { compileExpression, expressionGraph } from '@adjoint/autograd/arbitraries';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { topoSort } from '../src/graph';
import { customRule } from '../src/scalar-rules';
import { recordValue } from '../src/value';

describe('accumulation', () => {
  test('a reused non-leaf passes both contributions on: b = a + a; c = b + b gives a.grad = 4', () => {
    const a = new Value(-4);
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(a.grad).toBe(4);
  });

  test('two backward() calls give every Value exactly twice its bar: what a node keeps is not sent on again', () => {
    const x = new Value(0.7);
    const w = new Value(-1.3);
    const h = x.mul(w).tanh();
    const y = h.mul(h).add(h);
    y.backward();
    const once = [x.grad, w.grad, h.grad, y.grad];
    expect(h.grad).toBe(2 * h.data + 1); // ȳ = 1, h̄ = ȳ · (2h + 1)
    expect(y.grad).toBe(1);
    y.backward();
    expect([x.grad, w.grad, h.grad, y.grad]).toEqual(once.map((g) => 2 * g));
  });

  test("every Value keeps its bar after backward(), as micrograd's do; a Tensor keeps its leaves' only, as PyTorch", () => {
    // micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b), whose bars micrograd's README lists
    const [x1, x2, w1, w2] = [new Value(2), new Value(0), new Value(-3), new Value(1)];
    const b = new Value(6.881373587019543);
    const x1w1 = x1.mul(w1);
    const n = x1w1.add(x2.mul(w2)).add(b);
    const o = n.tanh();
    for (const createGraph of [false, true]) {
      for (const v of [x1, x2, w1, w2, b, x1w1, n, o]) v.zeroGrad();
      o.backward({ createGraph }); // the number path, and the node path
      expect(o.grad).toBe(1);
      expect(n.grad).toBeCloseTo(0.5, 15); // 1 - tanh(n)², n = atanh(1/√2)
      expect(x1w1.grad).toBe(n.grad);
      expect([x1.grad, w1.grad, x2.grad, w2.grad]).toEqual([
        w1.data * n.grad,
        x1.data * n.grad,
        w2.data * n.grad,
        0,
      ]);
      expect(o.adjoint?.data).toBe(1);
    }
    const t = tensor([2], { requiresGrad: true });
    const u = t.mul(3);
    const v = u.sum();
    v.backward();
    expect(t.grad?.toArray()).toEqual([3]);
    expect([u.grad, v.grad]).toEqual([null, null]);
  });

  test('zeroGrad() resets a leaf, and the next backward() starts from zero', () => {
    const x = new Value(2);
    const y = x.pow(3);
    y.backward();
    expect(x.grad).toBe(12);
    x.zeroGrad();
    expect(x.grad).toBe(0);
    y.backward();
    expect(x.grad).toBe(12);
  });

  test('retainGrad() keeps an intermediate adjoint like a leaf', () => {
    const x = new Value(3);
    const h = x.mul(2).retainGrad();
    h.mul(h).backward();
    expect(h.grad).toBe(12);
    expect(x.grad).toBe(24);
  });

  test('backward(seed) scales every gradient by the seed', () => {
    const x = new Value(1.5);
    x.exp().backward(-2);
    expect(x.grad).toBe(-2 * Math.exp(1.5));
  });

  test('two leaves that receive the same gradient node do not share it', () => {
    const a = new Value(1);
    const b = new Value(2);
    a.add(b).backward();
    expect(a.adjoint).not.toBe(b.adjoint);
    a.adjoint!.data = 100;
    expect(b.grad).toBe(1);
  });
});

describe('depth', () => {
  test('a chain of 1,000,000 ops runs backward without a stack overflow', () => {
    const x = new Value(1);
    let y = x;
    for (let i = 0; i < 500_000; i++) y = y.mul(1.000001).add(1e-6);
    y.backward();
    // d/dx of x·1.000001^n + … is 1.000001^n
    expect(x.grad).toBeCloseTo(1.000001 ** 500_000, 6);
  });

  test('topoSort puts every node after its parents and visits a shared node once', () => {
    const a = new Value(1, 'a');
    const b = a.mul(2);
    const c = a.add(b);
    const d = c.mul(b);
    const order = topoSort(d);
    expect(order).toEqual([a, b, c, d]);
  });
});

describe('recording', () => {
  test('nothing computed inside noGrad joins the graph, and the mode is restored after', () => {
    const x = new Value(2);
    const y = noGrad(() => x.mul(3).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.parents).toHaveLength(0);
    expect(() => y.backward()).toThrow(/does not require grad/);
    expect(x.mul(3).requiresGrad).toBe(true);
  });

  test('noGrad restores the mode when fn throws, and refuses async functions', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(new Value(1).mul(2).requiresGrad).toBe(true);
    expect(() => noGrad(async () => 1)).toThrow(/Promise/);
  });

  test('an op over constants only records nothing', () => {
    const x = new Value(1).mul(0).add(2);
    const c = new Value(5).gt(1).mul(3);
    expect(x.requiresGrad).toBe(true);
    expect(c.requiresGrad).toBe(false);
    expect(c.data).toBe(3);
  });
});

describe('errors', () => {
  test('a vjp that returns the wrong number of gradients is named in the error', () => {
    const x = new Value(1);
    const y = recordValue(
      2,
      [x],
      customRule('broken', (g) => [g, g]),
    );
    expect(() => y.backward()).toThrow('vjp of broken: expected 1 gradient(s), one per input, got 2');
  });

  test('bad operands are rejected with the op and the value', () => {
    const x = new Value(1);
    expect(() => x.mul(Number.NaN)).toThrow('mul: expected a Value or a finite number, got NaN');
    expect(() => x.add(Number.POSITIVE_INFINITY)).toThrow(
      'add: expected a Value or a finite number, got Infinity',
    );
    expect(() => new Value(Number.NaN)).toThrow('Value: expected data to be a finite number, got NaN');
    expect(() => new Value('3' as unknown as number)).toThrow('got the string "3"');
    expect(() => x.leakyRelu(Number.NaN)).toThrow(RangeError);
    expect(() => Value.sum([x, Number.NaN])).toThrow('Value.sum (element 1)');
  });

  test('ShapeError is exported for callers that catch shape problems', () => {
    expect(new ShapeError('x')).toBeInstanceOf(Error);
  });
});

describe('the fast path', () => {
  it.prop([expressionGraph({ inputs: 3, maxSteps: 20 })])(
    'backward() on numbers gives the same bits as the general sweep (createGraph), leaves and retained nodes alike',
    (graph) => {
      const f = compileExpression(graph);
      const run = (createGraph: boolean) => {
        const leaves = graph.inputs.map(([x]) => new Value(x!));
        const out = f(leaves);
        const middle = out.parents[0]?.retainGrad();
        out.backward({ createGraph });
        return [...leaves.map((l) => l.grad), middle?.grad ?? 0];
      };
      expect(run(false)).toEqual(run(true));
    },
  );

  it.prop([
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
    fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 5 }),
  ])(
    'nodes of three or more inputs (where, Value.sum), number operands, and sums that repeat an input, agree with the general sweep',
    (values, picks) => {
      const run = (createGraph: boolean) => {
        const [x, y, z] = values.map((v) => new Value(v));
        const s = Value.sum(picks.map((k) => [x!, y!, z!][k]!.mul(k + 1)));
        const w = x!.mul(y!).where(z!.gt(0), s);
        const numbers = x!.pow(2).add(y!.div(3)).sub(0.5).maximum(z!.minimum(0.25)).mul(z!.sub(y!));
        const out = Value.sum([w, s, s.mul(z!), numbers]);
        out.backward({ createGraph });
        return [x!.grad, y!.grad, z!.grad];
      };
      expect(run(false)).toEqual(run(true));
    },
  );

  test('parents lists the inputs in order, for ops of one, two and more', () => {
    const [x, y, z] = [new Value(1), new Value(2), new Value(3)];
    expect(x.parents).toEqual([]);
    expect(x.relu().parents[0]).toBe(x);
    const product = x.mul(y);
    expect(product.parents.length).toBe(2);
    expect(product.parents[0]).toBe(x);
    expect(product.parents[1]).toBe(y);
    const sum = Value.sum([z, x, z]);
    expect(sum.parents).toEqual([z, x, z]);
    expect(sum.parents[0]).toBe(z);
    const chosen = x.where(y, 4);
    expect(chosen.parents.map((p) => p.data)).toEqual([1, 2, 4]);
    // a number operand is a constant node in the view: it needs no gradient
    const scaled = x.mul(2.5);
    expect(scaled.parents[0]).toBe(x);
    expect(scaled.parents[1]!.data).toBe(2.5);
    expect(scaled.parents[1]!.requiresGrad).toBe(false);
    expect(x.sub(4).parents[1]!.data).toBe(-4);
  });

  test('a custom op without a numeric vjp takes the general sweep', () => {
    const twice = customOp({ name: 'twice', forward: (x) => x.mul(2), vjp: (g) => [g.mul(2)] });
    const x = new Value(3);
    twice(x).mul(x).backward();
    expect(x.grad).toBe(12);
  });
});
