import {
  compile,
  customOp,
  detectAnomaly,
  grad,
  hessian,
  hvp,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  Rng,
  randn,
  type Tensor,
  tensor,
  Value,
} from '@adjoint/autograd';
import { compileExpression, expressionGraph, shape } from '@adjoint/autograd/arbitraries';
import { assertClose } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { expectClose } from './close';
import { forwardHessianCheck, tangentCheck } from './directional';
import { specs } from './op-cases';

// Forward mode over every row of op-cases.ts: each op's tangent against central differences and, by
// the transposition identity ⟨w, J v⟩ = ⟨Jᵀw, v⟩, against its own vjp; and forward over reverse (jvp
// of grad) against differences of the gradient.
describe.each(Object.entries(specs))('%s', (_name, cases) => {
  it.prop([cases, fc.integer()])(
    'its jvp agrees with central differences and, transposed, with its vjp',
    (c, seed) => {
      const { forward, numeric, reverse } = tangentCheck({ ...c, seed });
      expectClose(forward, numeric, 1e-6, 1e-7);
      expectClose(forward, reverse, 1e-12, 1e-13);
    },
  );

  it.prop([cases, fc.integer()], { numRuns: 30 })(
    'its Hessian-vector product by jvp of grad agrees with differences of the gradient',
    (c, seed) => {
      const { analytic, numeric } = forwardHessianCheck({ ...c, seed });
      expectClose(analytic, numeric, 1e-5, 1e-6);
    },
  );
});

const real = fc.double({ min: -2, max: 2, noNaN: true });

describe('jvp on Values: dual numbers', () => {
  test("micrograd's neuron: the tangent along x₁ is ∂o/∂x₁, as the bar of x₁ is", () => {
    // o = tanh(x₁w₁ + x₂w₂ + b), micrograd's example numbers
    const o = (x1: Value, x2: Value, w1: Value, w2: Value, b: Value) =>
      x1.mul(w1).add(x2.mul(w2)).add(b).tanh();
    const args = [2, 0, -3, 1, 6.881373587019543] as const;
    const [out, dot] = jvp(o, args, [1, 0, 0, 0, 0]);
    const n = 2 * -3 + 0 * 1 + 6.881373587019543;
    expect(out.data).toBe(Math.tanh(n));
    expect(dot.data).toBe((1 - Math.tanh(n) ** 2) * -3);
    const leaves = args.map((v) => new Value(v)) as [Value, Value, Value, Value, Value];
    o(...leaves).backward();
    expect(dot.data).toBe(leaves[0]!.grad);
  });

  it.prop([expressionGraph({ inputs: 3, maxSteps: 20 }), fc.array(real, { minLength: 3, maxLength: 3 })])(
    'on random programs: the number path gives the bits of the node path, and ⟨∇f, v⟩ to rounding',
    (graph, v) => {
      const f = compileExpression(graph);
      const primals = graph.inputs.map(([x]) => x!);
      const run = (...xs: Value[]) => f(xs);
      const [, fast] = jvp(run, primals, v);
      // a primal that requires grad makes jvp record its tangents: the node path
      const leaves = primals.map((x) => new Value(x));
      const [, slow] = jvp(run, leaves, v);
      expect(fast.data).toBe(slow.data);
      const g = grad(run, [0, 1, 2])(...primals) as Value[];
      expectClose(
        fast.data,
        g.reduce((s, gi, i) => s + gi.data * v[i]!, 0),
        1e-12,
        1e-12,
      );
    },
  );
});

describe('jvp on random Tensor programs, both dtypes', () => {
  it.prop([
    expressionGraph({ inputs: 3, maxSteps: 12, shape: shape({ maxRank: 4, maxSize: 3 }) }),
    fc.constantFrom('float64', 'float32'),
    fc.integer(),
  ])('against central differences (float64) and, transposed, against the vjp', (graph, dtype, seed) => {
    const f = compileExpression(graph);
    const rng = new Rng(seed);
    const xs = graph.inputs.map((v) => tensor(v, { dtype }).reshape(graph.shape));
    const vs = xs.map((x) => randn(x.shape, { rng, dtype }));
    const loss = (...ys: Tensor[]) => f(ys).sum();
    const [, dot] = jvp(loss, xs, vs);
    const gs = grad(loss, [0, 1, 2])(...xs) as Tensor[];
    const reverse = gs.reduce((s, g, i) => s + (g.mul(vs[i]!).sum().item() as number), 0);
    const tol = dtype === 'float64' ? 1e-10 : 2e-4;
    expectClose(dot.item(), reverse, tol, tol);
    if (dtype === 'float64') {
      const h = 1e-6;
      const at = (sign: number) => loss(...xs.map((x, i) => x.add(vs[i]!.mul(sign * h)))).item();
      expectClose(dot.item(), (at(1) - at(-1)) / (2 * h), 1e-5, 1e-6);
    }
    expect(dot.dtype).toBe(dtype);
  });
});

describe('Jacobians of random programs', () => {
  it.prop(
    [expressionGraph({ inputs: 1, maxSteps: 10, shape: shape({ minRank: 1, maxRank: 2, maxSize: 3 }) })],
    {
      numRuns: 40,
    },
  )('jacfwd equals jacrev, and both equal their compiled programs', (graph) => {
    const f = compileExpression(graph);
    const g = (x: Tensor) => f([x]).mul(f([x.sin()]));
    const x = tensor(graph.inputs[0]!).reshape(graph.shape);
    const fwd = jacfwd(g)(x);
    expect(fwd.shape).toEqual([...graph.shape, ...graph.shape]);
    assertClose(fwd, jacrev(g)(x), { rtol: 1e-12, atol: 1e-12 });
    expect(compile((y: Tensor) => jacrev(g)(y))(x).toArray()).toEqual(jacrev(g)(x).toArray());
    expect(compile((y: Tensor) => jacfwd(g)(y))(x).toArray()).toEqual(fwd.toArray());
  });
});

describe('linearize, Jacobians and Hessians', () => {
  const rng = new Rng(3);
  const x = randn([3], { rng });
  const A = randn([2, 3], { rng });
  const f = (v: Tensor) =>
    A.matmul(v.reshape([3, 1]))
      .tanh()
      .reshape([2])
      .mul(v.slice(0, 0, 2));
  const scalar = (v: Tensor) => v.mul(v).sum().mul(v.exp().sum());

  test('linearize runs f once and pushes any number of tangents through what it recorded', () => {
    let calls = 0;
    const [out, push] = linearize((v: Tensor) => {
      calls++;
      return f(v);
    }, x);
    const basis = [0, 1, 2].map((j) => tensor([0, 1, 2].map((k) => (k === j ? 1 : 0))));
    const columns = basis.map((e) => push(e));
    expect(calls).toBe(1);
    expect(out.toArray()).toEqual(f(x).toArray());
    const J = jacrev(f)(x);
    columns.forEach((c, j) => {
      assertClose(c, J.slice(1, j, j + 1).reshape([2]), { rtol: 1e-14, atol: 1e-15 });
      expect(c.toArray()).toEqual(jvp(f, [x], [basis[j]!])[1].toArray());
    });
  });

  test('jacfwd and jacrev agree, shaped output ++ input; on Values they are the derivative', () => {
    const fwd = jacfwd(f)(x);
    const rev = jacrev(f)(x);
    expect(fwd.shape).toEqual([2, 3]);
    assertClose(fwd, rev, { rtol: 1e-14, atol: 1e-15 });
    const m = (t: Tensor) => t.reshape([2, 2]).matmul(t.reshape([2, 2]));
    const t4 = randn([4], { rng });
    expect(jacfwd(m)(t4).shape).toEqual([2, 2, 4]);
    assertClose(jacfwd(m)(t4), jacrev(m)(t4), { rtol: 1e-14, atol: 1e-15 });
    expect(jacfwd((v: Value) => v.sin())(0.5).data).toBe(Math.cos(0.5));
    expect(jacrev((v: Value) => v.sin())(0.5).data).toBe(Math.cos(0.5));
  });

  test('the Hessian is symmetric and matches differences of the gradient; hvp is H·v', () => {
    const H = hessian(scalar)(x);
    expect(H.shape).toEqual([3, 3]);
    assertClose(H, H.T, { rtol: 1e-13, atol: 1e-13 });
    const h = 1e-5;
    for (let j = 0; j < 3; j++) {
      const e = tensor([0, 1, 2].map((k) => (k === j ? h : 0)));
      const column = (grad(scalar)(x.add(e)) as Tensor).sub(grad(scalar)(x.sub(e)) as Tensor).div(2 * h);
      assertClose(H.slice(1, j, j + 1).reshape([3]), column, { rtol: 1e-6, atol: 1e-6 });
    }
    const v = tensor([1, -0.5, 2]);
    assertClose(hvp(scalar, [x], [v]) as Tensor, H.matmul(v.reshape([3, 1])).reshape([3]), {
      rtol: 1e-13,
      atol: 1e-13,
    });
  });

  test('to third order: jvp of hvp, grad of jvp, and jvp of jvp agree with differences', () => {
    const v = tensor([0.5, 1, -1]);
    const third = (p: Tensor) => jvp((q: Tensor) => hvp(scalar, [q], [v]) as Tensor, [p], [v])[1];
    const h = 1e-5;
    const hv = (p: Tensor) => hvp(scalar, [p], [v]) as Tensor;
    const numeric = hv(x.add(v.mul(h)))
      .sub(hv(x.sub(v.mul(h))))
      .div(2 * h);
    assertClose(third(x), numeric, { rtol: 1e-6, atol: 1e-6 });
    // reverse over forward: the gradient of a directional derivative is H·v again
    assertClose(grad((p: Tensor) => jvp(scalar, [p], [v])[1])(x) as Tensor, hv(x), {
      rtol: 1e-13,
      atol: 1e-13,
    });
    // forward over forward: vᵀHv
    const vhv = jvp((p: Tensor) => jvp(scalar, [p], [v])[1], [x], [v])[1];
    expectClose(vhv.item(), hv(x).mul(v).sum().item(), 1e-13, 1e-13);
  });

  test('compile(jvp) and compile(hvp) equal eager, on the traced call and the next', () => {
    const v = tensor([1, 2, 3]);
    const tangent = compile((p: Tensor) => jvp(f, [p], [v])[1]);
    const product = compile((p: Tensor) => hvp(scalar, [p], [v]) as Tensor);
    for (const p of [x, x.mul(0.5)]) {
      expect(tangent(p).toArray()).toEqual(jvp(f, [p], [v])[1].toArray());
      expect(product(p).toArray()).toEqual((hvp(scalar, [p], [v]) as Tensor).toArray());
    }
  });
});

describe('jvp through ops without a jvp of their own', () => {
  test("a custom Tensor op's tangent is its vjp transposed; on Values its Jacobian is diagonal", () => {
    const cube = customOp({
      name: 'cube',
      forward: (t) => t.mul(t).mul(t),
      vjp: (g, _y, t) => [g.mul(t.mul(t)).mul(3)],
    });
    const t = tensor([0.5, -1, 2]);
    const v = tensor([1, 2, -1]);
    expect(jvp((p: Tensor) => cube(p), [t], [v])[1].toArray()).toEqual(t.mul(t).mul(3).mul(v).toArray());
    expect(jvp((p: Value) => cube(p), [2], [0.5])[1].data).toBe(6);
  });

  test('a custom op whose vjp reads values instead of using Tensor ops is refused, naming it', () => {
    const opaque = customOp({
      name: 'opaque',
      forward: (t: Tensor) => t.exp(),
      vjp: (g: Tensor, y: Tensor) => [tensor(Array.from(g.data, (gi, i) => gi * y.data[i]!))],
    });
    expect(() => jvp((p: Tensor) => opaque(p), [tensor([1, 2])], [tensor([1, 1])])).toThrow(
      /^jvp of opaque: its vjp does not depend on the gradient/,
    );
  });

  test('a chain of 60,000 ops pushes its tangent without a stack overflow, on both engines', () => {
    const chainOf = <N extends Value | Tensor>(p: N): N => {
      let y = p as Value & Tensor;
      for (let i = 0; i < 30_000; i++) y = y.mul(1.0000001).add(1e-7) as Value & Tensor;
      return y as N;
    };
    expect(jvp((p: Value) => chainOf(p), [1], [1])[1].data).toBeCloseTo(1.0000001 ** 30_000, 9);
    expect(jvp((p: Tensor) => chainOf(p), [tensor([1])], [tensor([1])])[1].item()).toBeCloseTo(
      1.0000001 ** 30_000,
      9,
    );
  });

  test('in anomaly mode a tangent that is not finite is an Error naming the op', () => {
    expect(() =>
      detectAnomaly(() => jvp((p: Tensor) => p.sqrt(), [tensor([0, 1])], [tensor([1, 1])])),
    ).toThrow(/^detectAnomaly: in the forward pass, the tangent of sqrt/);
  });
});
