import {
  compile,
  customOp,
  type DType,
  detectAnomaly,
  grad,
  noGrad,
  oneHot,
  ones,
  randn,
  sideEffect,
  type Tensor,
  TraceError,
  tensor,
  Value,
  valueAndGrad,
} from '@adjoint/autograd';
import { broadcastPair, compileExpression, expressionGraph, shape } from '@adjoint/autograd/arbitraries';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';

const DTYPES = ['float64', 'float32'] as const;

/** The elements of a tensor, for toEqual: bit for bit (toEqual tells -0 from 0 and NaN is equal to NaN). */
const bits = (t: Tensor) => Array.from(t.data);

function leaf(values: readonly number[], shape: readonly number[], dtype: DType): Tensor {
  return tensor(Float64Array.from(values), { shape: [...shape] }).astype(dtype);
}

/** A network's loss and gradients as a function of its inputs: matmuls, broadcasting, reductions, softmax. */
function network(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, y: Tensor): Tensor {
  const h = x.matmul(w1).add(b1).tanh();
  const logits = h.matmul(w2);
  return logits.logSoftmax(1).mul(y).sum().div(-x.shape[0]!).add(w1.mul(w1).mean().mul(1e-3));
}

describe('compile', () => {
  it.prop([
    expressionGraph({ inputs: 3, maxSteps: 12, shape: shape({ maxRank: 3, maxSize: 4 }) }),
    fc.constantFrom(...DTYPES),
  ])(
    'a random elementwise program and its gradients, compiled, equal eager execution bit for bit, at the trace and after it',
    (graph, dtype) => {
      const f = compileExpression(graph);
      const step = (...xs: Tensor[]) => {
        const [value, grads] = valueAndGrad((...ys: Tensor[]) => f(ys).sum(), [0, 1, 2])(...xs);
        return { value, grads };
      };
      const compiled = compile(step);
      // the same program at two points: the second call runs the trace's program on new numbers
      for (const shift of [0, 0.25]) {
        const xs = graph.inputs.map((v) =>
          leaf(
            v.map((e) => e + shift),
            graph.shape,
            dtype,
          ),
        );
        const eager = step(...xs);
        const got = compiled(...xs);
        expect(bits(got.value as Tensor)).toEqual(bits(eager.value as Tensor));
        got.grads.forEach((g, k) => {
          expect(bits(g as Tensor)).toEqual(bits(eager.grads[k] as Tensor));
        });
      }
      expect(compiled.traces).toBe(1);
    },
  );

  it.prop([
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 2, max: 5 }),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom(...DTYPES),
  ])(
    'a network’s loss and gradients (matmuls, broadcasting, softmax, reductions), compiled, equal eager bit for bit over calls',
    (n, d, hidden, classes, seed, dtype) => {
      const grads = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, y: Tensor) =>
        valueAndGrad(network, [1, 2, 3])(x, w1, b1, w2, y);
      const compiled = compile(grads);
      const w1 = randn([d, hidden], { seed }).astype(dtype);
      const b1 = randn([hidden], { seed: seed + 1 }).astype(dtype);
      const w2 = randn([hidden, classes], { seed: seed + 2 }).astype(dtype);
      for (let call = 0; call < 3; call++) {
        const x = randn([n, d], { seed: seed + 10 + call }).astype(dtype);
        const y = noGrad(() => randn([n, classes], { seed: seed + 20 + call }).softmax(1)).astype(dtype);
        const [value, gs] = grads(x, w1, b1, w2, y);
        const [cValue, cGs] = compiled(x, w1, b1, w2, y);
        expect(bits(cValue as Tensor)).toEqual(bits(value as Tensor));
        (cGs as Tensor[]).forEach((g, k) => {
          expect(bits(g)).toEqual(bits((gs as Tensor[])[k]!));
        });
      }
      expect(compiled.traces).toBe(1);
    },
  );

  it.prop([
    broadcastPair({ maxRank: 3, maxSize: 5 }),
    fc.constantFrom(...DTYPES),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom('all', 'first', 'last', 'none'),
  ])(
    'fused loops (broadcast operands, a sum at the end) give the bits of the unfused program and of eager execution',
    ([sa, sb], dtype, seed, over) => {
      const a = randn(sa, { seed }).astype(dtype);
      const b = randn(sb, { seed: seed + 1 }).astype(dtype);
      const f = (x: Tensor, y: Tensor) => {
        const z = x.mul(y).add(x.tanh()).sigmoid().mul(1.5).maximum(y.neg());
        const r =
          z.ndim === 0 || over === 'none' ? z : over === 'all' ? z.sum() : z.sum(over === 'first' ? 0 : -1);
        return { r, grads: valueAndGrad((p: Tensor, q: Tensor) => p.mul(q).exp().sum(), [0, 1])(x, y)[1] };
      };
      const fused = compile(f);
      const unfused = compile(f, { fuse: false });
      const eager = f(a, b);
      for (const g of [fused, unfused]) {
        g(a, b); // the trace runs the ops themselves: the second call runs the program
        const got = g(a, b);
        expect(bits(got.r)).toEqual(bits(eager.r));
        (got.grads as Tensor[]).forEach((t, k) => {
          expect(bits(t)).toEqual(bits((eager.grads as Tensor[])[k]!));
        });
      }
      expect(unfused.programs[0]!.fusedLoops).toBe(0);
      expect(fused.programs[0]!.fusedLoops).toBeGreaterThan(0);
      expect(fused.programs[0]!.steps).toBeLessThan(unfused.programs[0]!.steps);
    },
  );

  test.each(DTYPES)(
    'a broadcast joins a fused loop where its input is one band of the output (%s), and stays a copy elsewhere',
    (dtype) => {
      const f = (x: Tensor, y: Tensor) => x.broadcastTo(y.shape).mul(y).add(1);
      const y = randn([2, 4, 3], { seed: 3 }).astype(dtype);
      for (const [shape, steps] of [
        [[3], 1], // the last axis: one band, read as i mod 3
        [[4, 1], 1], // the middle axis
        [[2, 1, 3], 2], // axes 0 and 2 with a broadcast between: the copy runs, then a loop of two
      ] as const) {
        const x = randn([...shape], { seed: 4 }).astype(dtype);
        const fused = compile(f);
        const unfused = compile(f, { fuse: false });
        const eager = bits(f(x, y));
        fused(x, y); // the trace runs the ops themselves: the second call runs the program
        unfused(x, y);
        expect(bits(fused(x, y))).toEqual(eager);
        expect(bits(unfused(x, y))).toEqual(eager);
        expect(unfused.programs[0]!.steps).toBe(3);
        expect(fused.programs[0]!.steps).toBe(steps);
      }
    },
  );

  test.each(DTYPES)(
    'fused comparisons, where, relu, maximum and neg give eager bits at ties, signed zeros and division by zero (%s)',
    (dtype) => {
      const exact = (t: Tensor) => Array.from(t.data, (v) => (Object.is(v, -0) ? '-0' : String(v)));
      const x = tensor([0, -0, 0, 1, -1, 2, 3.5, 1], { dtype });
      const y = tensor([0, 0, -0, 1, 1, -2, 3.5, 0], { dtype }); // 0/0 and 1/0 in the division
      // each op followed by a multiply by one, so that it is a local of the fused loop, written out inline
      const f = (a: Tensor, b: Tensor) =>
        [
          a.gt(b),
          a.ge(b),
          a.lt(b),
          a.le(b),
          a.eq(b),
          a.maximum(b),
          a.minimum(b),
          a.relu(),
          a.neg(),
          a.where(a.ge(b), b),
          a.div(b),
          a.div(b).relu(), // NaN from 0/0: relu and maximum keep it
          a.div(b).maximum(a),
        ].map((t) => t.mul(1));
      const fused = compile(f);
      fused(x, y); // the trace: it runs the ops themselves
      const got = fused(x, y); // the program
      expect(fused.programs[0]!.fusedLoops).toBe(1); // all of them, one after the other over one shape
      f(x, y).forEach((t, k) => {
        expect(exact(got[k]!)).toEqual(exact(t));
      });
      // and what the branch-free loops compute is what plain JavaScript's branches compute, elementwise
      const [a, b] = [Array.from(x.data), Array.from(y.data)];
      const plain = (g: (p: number, q: number) => number) =>
        exact(
          tensor(
            a.map((p, i) => g(p, b[i]!) * 1),
            { dtype },
          ),
        );
      const expected = [
        (p: number, q: number) => (p > q ? 1 : 0),
        (p: number, q: number) => (p >= q ? 1 : 0),
        (p: number, q: number) => (p < q ? 1 : 0),
        (p: number, q: number) => (p <= q ? 1 : 0),
        (p: number, q: number) => (p === q ? 1 : 0),
      ];
      expected.forEach((g, k) => {
        expect(exact(got[k]!)).toEqual(plain(g));
      });
      expect(exact(got[7]!)).toEqual(plain((p) => Math.max(p, 0))); // relu: −0 → +0
      // biome-ignore lint/complexity/useMathMinMax: where(a ≥ b, a, b) keeps a at a tie of −0 and 0; Math.max does not
      expect(exact(got[9]!)).toEqual(plain((p, q) => (p >= q ? p : q)));
      expect(exact(got[11]!).slice(0, 3)).toEqual(['NaN', 'NaN', 'NaN']); // 0/0: relu keeps NaN
    },
  );

  test.each(DTYPES)(
    'one elementwise op that broadcasts is a loop of its own; one that does not stays a kernel (%s)',
    (dtype) => {
      const x = randn([4, 3, 5], { seed: 6 }).astype(dtype);
      const b = randn([5], { seed: 7 }).astype(dtype);
      const biased = compile((p: Tensor, q: Tensor) => p.add(q).transpose([1, 0, 2]));
      const plain = compile((p: Tensor) => p.exp().transpose([1, 0, 2]));
      for (const [f, args, eager] of [
        [biased, [x, b], x.add(b).transpose([1, 0, 2])],
        [plain, [x], x.exp().transpose([1, 0, 2])],
      ] as const) {
        (f as (...a: Tensor[]) => Tensor)(...args); // the trace
        expect(bits((f as (...a: Tensor[]) => Tensor)(...args))).toEqual(bits(eager));
      }
      expect(biased.programs[0]!.fusedLoops).toBe(1);
      expect(plain.programs[0]!.fusedLoops).toBe(0);
    },
  );

  it.prop([
    fc.record({
      n: fc.integer({ min: 1, max: 3 }),
      c: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 4, max: 7 }),
      w: fc.integer({ min: 4, max: 7 }),
    }),
    fc.constantFrom(...DTYPES),
    fc.integer({ min: 0, max: 1000 }),
  ])(
    "a loop whose operands hold one value over runs (a bias over channels, a scale per image) walks them as blocks, with eager's bits",
    ({ n, c, h, w }, dtype, seed) => {
      // the bias [C, 1, 1] holds one value over runs of H·W ≥ 16 positions, the scale [N, 1, 1, 1] over
      // C·H·W; the bias's gradient is a sum over the same runs, and relu's backward a select on its input
      const x = randn([n, c, h, w], { seed }).astype(dtype);
      const b = randn([c, 1, 1], { seed: seed + 1 }).astype(dtype);
      const s = randn([n, 1, 1, 1], { seed: seed + 2 }).astype(dtype);
      const f = (p: Tensor, q: Tensor, r: Tensor) =>
        valueAndGrad((pp: Tensor, qq: Tensor) => pp.add(qq).relu().mul(r).sum(), [0, 1])(p, q);
      const fused = compile(f);
      const unfused = compile(f, { fuse: false });
      const [value, grads] = f(x, b, s);
      for (const g of [fused, unfused]) {
        g(x, b, s); // the trace runs the ops themselves: the second call runs the program
        const [v, gs] = g(x, b, s);
        expect(bits(v as Tensor)).toEqual(bits(value as Tensor));
        gs.forEach((t, k) => {
          expect(bits(t)).toEqual(bits(grads[k]!));
        });
      }
      expect(fused.programs[0]!.fusedLoops).toBeGreaterThan(0);
    },
  );

  test('a step whose arrays nothing reads is dropped; the gradient of an input that needs none is not computed', () => {
    const x = randn([3, 4], { seed: 5 });
    const c = tensor([0.5]);
    const unused = compile(
      (a: Tensor) => {
        a.tanh(); // computed and dropped: no step of the program reads it, and it is not returned
        return a.exp();
      },
      { fuse: false },
    );
    unused(x);
    expect(bits(unused(x))).toEqual(bits(x.exp()));
    expect(unused.programs[0]!.steps).toBe(1);
    // c's gradient (a product, and a sum over x's shape) is in the program only when it is asked for
    const loss = (a: Tensor, b: Tensor) => a.mul(b).exp().sum();
    const onlyX = compile((a: Tensor, b: Tensor) => valueAndGrad(loss, [0])(a, b)[1], { fuse: false });
    const both = compile((a: Tensor, b: Tensor) => valueAndGrad(loss, [0, 1])(a, b)[1], { fuse: false });
    const [gx] = valueAndGrad(loss, [0, 1])(x, c)[1];
    for (const f of [onlyX, both]) {
      f(x, c); // the trace
      expect(bits(f(x, c)[0]!)).toEqual(bits(gx!));
    }
    expect(both.programs[0]!.steps - onlyX.programs[0]!.steps).toBe(2);
  });

  test('a new signature (shape, dtype, structure, a number) is traced anew; the same one is not', () => {
    let calls = 0;
    const f = compile((x: Tensor, k: number) => {
      calls++;
      return x.mul(k).sum();
    });
    const a = tensor([1, 2, 3]);
    expect(f(a, 2).item()).toBe(12);
    expect(f(tensor([4, 5, 6]), 2).item()).toBe(30);
    expect([calls, f.traces]).toEqual([1, 1]);
    expect(f(tensor([1, 2]), 2).item()).toBe(6); // a new shape
    expect(f(a.astype('float32'), 2).item()).toBe(12); // a new dtype
    expect(f(a, 3).item()).toBe(18); // a new number
    expect([calls, f.traces]).toEqual([4, 4]);
    expect(f(tensor([7, 8, 9]), 3).item()).toBe(72);
    expect(calls).toBe(4);
  });

  test('arguments that share their storage (the same tensor, or a view) are part of the signature', () => {
    const f = compile((a: Tensor, b: Tensor) => a.add(b.mul(2).reshape(a.shape)));
    const x = tensor([1, 2]);
    expect(f(x, x).toArray()).toEqual([3, 6]);
    expect(f(x, tensor([10, 20])).toArray()).toEqual([21, 42]);
    expect(f.traces).toBe(2);
    // a view shares x's storage: traced apart from two unrelated tensors of the same shapes
    expect(f(x, x.reshape([2, 1])).toArray()).toEqual([3, 6]);
    expect(f(x, tensor([[10], [20]])).toArray()).toEqual([21, 42]);
    expect(f(tensor([5, 6]), tensor([[1], [1]])).toArray()).toEqual([7, 8]);
    expect(f.traces).toBe(4);
  });

  test('results are new tensors each call, that record nothing and share nothing with the program', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const f = compile((x: Tensor) => ({ y: x.mul(w), total: x.mul(w).sum(), tag: 'out' }));
    const first = f(tensor([1, 1]));
    first.y.data[0] = 100;
    const second = f(tensor([1, 1]));
    expect(second.y.toArray()).toEqual([1, 2]);
    expect(second.total.item()).toBe(3);
    expect(second.tag).toBe('out');
    expect([second.y.requiresGrad, second.y.parents.length]).toEqual([false, 0]);
    expect(first.y).not.toBe(second.y);
  });

  test('tensors read without being arguments are read as they are at every call', () => {
    const w = tensor([1, 2]);
    const f = compile((x: Tensor) => x.mul(w).sum());
    expect(f(tensor([1, 1])).item()).toBe(3);
    w.data.set([10, 20]);
    expect(f(tensor([1, 1])).item()).toBe(30);
  });

  test('item() and toArray() of a traced value throw a TraceError naming the call; of a constant they work', () => {
    const f = compile((x: Tensor) => (x.sum().item() > 0 ? x : x.neg()));
    expect(() => f(tensor([1, 2]))).toThrow(TraceError);
    expect(() => f(tensor([1, 2]))).toThrow(
      'compile: item() reads the values of a tensor (shape [], the result of sum) inside the compiled function',
    );
    const g = compile((x: Tensor) => x.toArray());
    expect(() => g(tensor([1, 2]))).toThrow(
      'compile: toArray() reads the values of a tensor (shape [2], argument tensor 0)',
    );
    // a tensor made inside the function is a constant of the program: its values may be read
    const h = compile((x: Tensor) => x.mul(tensor(3).item()));
    expect(h(tensor([1, 2])).toArray()).toEqual([3, 6]);
  });

  test('reading the values of a tensor the function closes over is a TraceError; using it in ops reads it at every call', () => {
    const k = tensor([2]);
    for (const read of [
      (t: Tensor) => t.item(),
      (t: Tensor) => t.data[0]!,
      (t: Tensor) => t.toArray() as number,
    ]) {
      const f = compile((x: Tensor) => x.mul(read(k.reshape([]))));
      expect(() => f(tensor([1, 2]))).toThrow(TraceError);
      expect(() => f(tensor([1, 2]))).toThrow(
        /reads the values of a tensor \(shape \[\]\) that the compiled function closes over/,
      );
    }
    // the program reads a closed-over tensor's array at each call: a change made between calls is seen
    const f = compile((x: Tensor) => x.mul(k));
    expect(f(tensor([1, 2])).toArray()).toEqual([2, 4]);
    k.data[0] = 3;
    expect(f(tensor([1, 2])).toArray()).toEqual([3, 6]);
    // outside the trace, the reads work as ever
    expect(k.item()).toBe(3);
  });

  test("gather's indices are constants of the program: a tensor of them from the arguments is a TraceError", () => {
    const w = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const f = compile((i: Tensor) => w.gather(i, 0).sum());
    expect(() => f(tensor([[0, 1]]))).toThrow(
      'compile: gather (its index; for indices that change from call to call, multiply by oneHot(indices, n)) reads the values of a tensor (shape [1, 2], argument tensor 0)',
    );
    const derived = compile((x: Tensor, i: Tensor) => x.gather(i.add(1), 0).sum());
    expect(() => derived(w, tensor([[0, 0]]))).toThrow(
      /gather \(its index.*\(shape \[1, 2\], the result of add\)/,
    );
    // indices as arrays, or tensors made inside or closed over, are the program's: each call gathers the
    // places it gathered when traced
    const index = tensor([[0, 0]]);
    const h = compile((x: Tensor) =>
      x
        .gather([[2, 0]], 0)
        .add(x.gather(tensor([[1, 1]]), 0))
        .add(x.gather(index, 0))
        .sum(),
    );
    expect(h(w).item()).toBe(5 + 2 + 3 + 4 + 1 + 2);
    expect(h(w.mul(10)).item()).toBe(170);
    // the route for indices that change: one-hot rows times the table, replayed with each call's
    const rows = compile((i: Tensor) => oneHot(i, 3).matmul(w));
    expect(rows(tensor([2, 0])).toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(rows(tensor([1, 1])).toArray()).toEqual([
      [3, 4],
      [3, 4],
    ]);
  });

  test('reading .data of a traced tensor throws a TraceError; of a constant it works; printing shows it is traced', () => {
    const x = tensor([1, 2]);
    expect(() => compile((a: Tensor) => a.add(a.data[0]!))(x)).toThrow(
      'compile: reading .data reads the values of a tensor (shape [2], argument tensor 0)',
    );
    expect(() => compile((a: Tensor) => a.exp().data[1])(x)).toThrow(
      'compile: reading .data reads the values of a tensor (shape [2], the result of exp)',
    );
    // after the trace (even one that threw) the argument's data reads as before: no interpreter is left
    expect(x.data).toEqual(new Float64Array([1, 2]));
    expect(x.toArray()).toEqual([1, 2]);
    expect(compile((a: Tensor) => a.mul(tensor([10, 20]).data[1]!))(x).toArray()).toEqual([20, 40]);
    let shown = '';
    compile((a: Tensor) => {
      shown = String(a.mul(2));
      return a;
    })(x);
    expect(shown).toBe('Tensor(<traced>, shape=[2], dtype=float64)');
  });

  test('backward() writes leaf gradients at every call; a gradient left from the last call is an error', () => {
    const w = tensor([0.5, -1], { requiresGrad: true });
    const step = compile((x: Tensor) => {
      w.zeroGrad();
      const loss = x.mul(w).tanh().sum();
      loss.backward();
      return loss;
    });
    for (const x of [tensor([1, 2]), tensor([3, -1])]) {
      step(x);
      const compiledGrad = bits(w.grad!);
      w.zeroGrad();
      x.mul(w).tanh().sum().backward();
      expect(compiledGrad).toEqual(bits(w.grad!));
    }
    const forgetful = compile((x: Tensor) => {
      x.mul(w).sum().backward();
      return x;
    });
    w.zeroGrad();
    forgetful(tensor([1, 1]));
    expect(w.grad!.toArray()).toEqual([1, 1]);
    expect(() => forgetful(tensor([1, 1]))).toThrow(
      'compile: backward() would add to the gradient that a tensor of shape [2] already holds',
    );
    expect(() => forgetful(tensor([1, 1]).astype('float32'))).toThrow('already holds'); // at the trace, too
  });

  test('custom ops, second derivatives and noGrad inside a compiled function give eager bits', () => {
    const cube = customOp({
      name: 'cube',
      forward: (x: Tensor) => x.mul(x).mul(x),
      vjp: (g: Tensor, _y: Tensor, x: Tensor) => [g.mul(x.mul(x)).mul(3)],
    });
    const f = (x: Tensor) => {
      const d1 = grad((t: Tensor) => cube(t).sin().sum());
      const d2 = grad((t: Tensor) => (d1(t) as Tensor).sum())(x) as Tensor;
      const frozen = noGrad(() => x.exp());
      return { d2, frozen, both: d2.add(frozen) };
    };
    const compiled = compile(f);
    for (const seed of [1, 2, 3]) {
      const x = randn([5], { seed });
      const eager = f(x);
      const got = compiled(x);
      for (const key of ['d2', 'frozen', 'both'] as const) expect(bits(got[key])).toEqual(bits(eager[key]));
    }
    expect(compiled.traces).toBe(1);
  });

  test('a function that returns a Promise, or a Value, is refused with a reason', () => {
    expect(() => compile(async (x: Tensor) => x)(tensor([1]))).toThrow(
      'compile: f returned a Promise; compile traces synchronous code',
    );
    expect(() => compile(() => new Value(1))()).toThrow('compile: the result holds');
  });

  test('a warm call makes no typed array but its results', () => {
    const w1 = randn([4, 32], { seed: 1 }).astype('float32');
    const w2 = randn([32, 3], { seed: 2 }).astype('float32');
    const grads = compile((x: Tensor, y: Tensor) =>
      valueAndGrad(network, [1, 3])(x, w1, randn([32], { seed: 3 }), w2, y),
    );
    const x = randn([64, 4], { seed: 4 }).astype('float32');
    const y = noGrad(() => randn([64, 3], { seed: 5 }).softmax(1));
    grads(x, y);
    const made = countTypedArrays(() => {
      for (let i = 0; i < 20; i++) grads(x, y);
    });
    // 20 calls × 3 results, each a copy (slice, which does not call the constructors counted)
    expect(made).toBe(0);
  });
});

/** How many typed arrays `fn` constructs, by any of the global constructors. */
function countTypedArrays(fn: () => void): number {
  const names = [
    'Float64Array',
    'Float32Array',
    'Int32Array',
    'Uint32Array',
    'Uint8Array',
    'Int8Array',
  ] as const;
  const global = globalThis as unknown as Record<string, unknown>;
  const saved = names.map((name) => global[name]);
  let made = 0;
  names.forEach((name, i) => {
    global[name] = new Proxy(saved[i] as object, {
      construct(target, args, newTarget) {
        made++;
        return Reflect.construct(target as new (...a: unknown[]) => object, args, newTarget);
      },
    });
  });
  try {
    fn();
  } finally {
    names.forEach((name, i) => {
      global[name] = saved[i];
    });
  }
  return made;
}

// issue 33: hostile and careless calls of a compiled function
describe('compile, careless calls', () => {
  test('a tensor f closes over and also takes as an argument is read as itself, not as the argument', () => {
    const z = tensor([10, 20]);
    const f = compile((x: Tensor) => x.add(z));
    expect(f(z).toArray()).toEqual([20, 40]);
    expect(f(tensor([1, 2])).toArray()).toEqual([11, 22]);
    const grid = tensor([[10, 20]]);
    const g = compile((x: Tensor) => x.add(grid.reshape([2])));
    expect(g(grid.reshape([2])).toArray()).toEqual([20, 40]); // a view of it, on the traced call
    expect(g(tensor([1, 2])).toArray()).toEqual([11, 22]);
  });

  test('a refused call changes nothing: the gradient the last call left is kept', () => {
    const w = tensor([1, 1], { requiresGrad: true });
    const f = compile((x: Tensor) => {
      x.mul(w).sum().backward();
      return x.sum();
    });
    f(tensor([3, 4]));
    expect(w.grad!.toArray()).toEqual([3, 4]);
    expect(() => f(tensor([5, 6]))).toThrow('compile: backward() would add to the gradient');
    expect(w.grad!.toArray()).toEqual([3, 4]);
  });

  test('a call from inside its own run (an effect) runs eagerly, and the outer call returns its own result', () => {
    let armed = false;
    let inner: unknown = null;
    const f: (x: Tensor) => Tensor = compile((x: Tensor) => {
      sideEffect(() => {
        if (!armed) return;
        armed = false;
        inner = f(tensor([10, 20])).toArray();
      });
      return x.mul(2);
    });
    f(tensor([1, 2])); // the trace
    armed = true;
    expect(f(tensor([1, 2])).toArray()).toEqual([2, 4]);
    expect(inner).toEqual([20, 40]);
  });

  test('inside detectAnomaly a compiled function checks every op, as eager code does', () => {
    const f = compile((x: Tensor) => x.log());
    f(tensor([1, 2]));
    expect((f(tensor([-1, 2])).toArray() as number[])[0]).toBeNaN();
    expect(() => detectAnomaly(() => f(tensor([-1, 2])))).toThrow(
      /^detectAnomaly: in the forward pass, its output of log/,
    );
  });

  test('an argument that contains itself is refused; one nested 10⁵ deep is read', () => {
    const f = compile((x: unknown) => (x as Tensor[])[0] ?? tensor(0));
    const cyclic: unknown[] = [tensor([1])];
    cyclic.push(cyclic);
    expect(() => f(cyclic)).toThrow('compile: argument 0[1] contains itself (a cycle)');
    let deep: unknown = tensor([7]);
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const g = compile((x: unknown) => {
      let y = x;
      while (Array.isArray(y)) y = y[0];
      return (y as Tensor).mul(2);
    });
    expect(g(deep).toArray()).toEqual([14]);
  });

  test('fresh leaves that require grad each call keep at most 64 programs', () => {
    const f = compile((x: Tensor) => x.mul(2));
    for (let i = 0; i < 200; i++) f(ones([3], { requiresGrad: true }));
    expect(f.traces).toBe(64);
    expect(f(tensor([1, 2, 3])).toArray()).toEqual([2, 4, 6]);
  });
});
