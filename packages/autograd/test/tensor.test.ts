import {
  arange,
  concat,
  customOp,
  eye,
  full,
  grad,
  noGrad,
  oneHot,
  ones,
  Rng,
  rand,
  randn,
  ShapeError,
  stack,
  Tensor,
  tensor,
  toDot,
  Value,
  valueAndGrad,
  zeros,
} from '@adjoint/autograd';
import { compileExpression, expressionGraph, shape } from '@adjoint/autograd/arbitraries';
import { gradcheck } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { binaryRules, comparisons, type Elementwise, unaryRules } from '../src/rules/elementwise';
import { expectClose } from './close';

describe('creation', () => {
  test('tensor() reads nested arrays, numbers and Float64Arrays with a shape', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([x.shape, x.size, x.ndim]).toEqual([[2, 3], 6, 2]);
    expect(x.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).item()).toBe(7);
    const data = Float64Array.of(1, 2, 3, 4);
    const y = tensor(data, { shape: [2, 2], requiresGrad: true, label: 'y' });
    expect([y.shape, y.requiresGrad, y.label]).toEqual([[2, 2], true, 'y']);
    data[0] = 100;
    expect(y.data[0]).toBe(1); // copied, not aliased
  });

  test('oneHot: row i is 1 at column labels[i], float64, from labels of either dtype', () => {
    const rows = [
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    for (const dtype of ['float64', 'float32'] as const) {
      const h = oneHot(tensor([2, 0, 1, 2]).astype(dtype), 3);
      expect([h.shape, h.dtype, h.toArray()]).toEqual([[4, 3], 'float64', rows]);
    }
    expect(() => oneHot(tensor([0, -1]), 3)).toThrow(
      'oneHot: label -1 of sample 1 is not a class index in [0, 3)',
    );
  });

  test('zeros, ones, full, arange and eye', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(full([2], 3.5).toArray()).toEqual([3.5, 3.5]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  test('rand and randn are reproducible from a seed, and an Rng advances', () => {
    expect(randn([3], { seed: 4 }).toArray()).toEqual(randn([3], { seed: 4 }).toArray());
    expect(randn([3], { seed: 4 }).toArray()).not.toEqual(randn([3], { seed: 5 }).toArray());
    const rng = new Rng(1);
    const [a, b] = [rand([2], rng), rand([2], rng)];
    expect(a.toArray()).not.toEqual(b.toArray());
    expect(rand([1000], { seed: 9 }).data.every((u) => u >= 0 && u < 1)).toBe(true);
    const z = randn([20000], { seed: 3 });
    expectClose(z.mean().item(), 0, 0, 0.03);
    expectClose(z.pow(2).mean().item(), 1, 0.03);
  });

  test('an Rng’s state, put on another Rng, gives the same draws from there on, a kept normal deviate too', () => {
    const rng = new Rng(7);
    rng.normal(); // one of a pair drawn: its twin is kept for the next call
    const state = rng.getState();
    expect(state.spare).not.toBeNull();
    const copy = new Rng(123);
    copy.setState(JSON.parse(JSON.stringify(state)));
    const draws = (r: Rng) => [r.normal(), r.uniform(), r.nextUint32(), r.normal(), r.int(10)];
    expect(draws(copy)).toEqual(draws(rng));
    // a state of another seed is another stream
    expect(draws(new Rng(123))).not.toEqual(draws(copy));
  });

  test('every creation error names the value involved', () => {
    expect(() =>
      tensor([
        [1, 2],
        [3, 4, 5],
      ] as never),
    ).toThrow('tensor: ragged nested array: row [1] has length 3, expected length 2');
    expect(() => tensor([[1, Number.NaN]])).toThrow(
      'tensor: element [0, 1] must be a finite number, got NaN',
    );
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(
      'tensor: shape [2, 2] holds 4 elements, the data has 3',
    );
    expect(() => zeros([2, -1])).toThrow(
      'zeros: expected sizes to be non-negative integers, got -1 at axis 1 of [2, -1]',
    );
    expect(() => ones([1.5])).toThrow('got 1.5 at axis 0');
    expect(() => full([Number.POSITIVE_INFINITY], 1)).toThrow('got Infinity at axis 0');
    expect(() => full([2], Number.NaN)).toThrow('full: expected a finite fill value, got NaN');
    expect(() => randn([2], undefined as never)).toThrow(
      'randn: expected { seed } or an Rng (adjoint has no global random state)',
    );
    expect(() => new Rng(0.5)).toThrow('Rng: expected seed to be a safe integer, got 0.5');
  });
});

describe('the elementwise methods', () => {
  // Tensor's are installed from the tables, so that adding an op is one entry: hold that every entry is
  // a method of both engines, named and non-enumerable as a class method is, and declared for tsc.
  const names = [...Object.keys(unaryRules), ...Object.keys(binaryRules), ...Object.keys(comparisons)];

  test('every op of the tables is a method of Tensor and of Value, as a class method is', () => {
    for (const name of names) {
      const method = Object.getOwnPropertyDescriptor(Tensor.prototype, name);
      expect({ name, enumerable: method?.enumerable, fn: (method?.value as () => void)?.name }).toEqual({
        name,
        enumerable: false,
        fn: name,
      });
      expect(typeof (Value.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
    }
    expect(Object.keys(tensor([1]))).not.toContain('add');
    expect(names).toHaveLength(23);
  });

  test('each installed method computes its own op, records its own rule, and throws naming itself', () => {
    const x = tensor([0.5, 2], { requiresGrad: true });
    const y = x.exp().mul(x.log()).maximum(x.sqrt()).add(x.gt(1));
    expect(y.op).toBe('add');
    y.sum().backward();
    const e = (v: number) => Math.exp(v) * Math.log(v);
    const de = (v: number) => Math.exp(v) * Math.log(v) + Math.exp(v) / v;
    // at 0.5 √x wins the maximum; at 2 eˣ ln x does
    const [y0, y1] = y.toArray() as number[];
    const [g0, g1] = x.grad!.toArray() as number[];
    expectClose(y0!, Math.sqrt(0.5), 1e-15);
    expectClose(y1!, e(2) + 1, 1e-15);
    expectClose(g0!, 0.5 / Math.sqrt(0.5), 1e-15);
    expectClose(g1!, de(2), 1e-14);
    expect(() => x.pow('2' as unknown as number)).toThrow(
      /^pow: expected a Tensor or a finite number, got the string "2"/,
    );
    expect(() => x.lt(tensor([1, 2, 3]))).toThrow(/lt: .*\[2\].*\[3\]/);
  });

  test('tsc knows every op of the tables as a method of Elementwise', () => {
    type TableOp = keyof typeof unaryRules | keyof typeof binaryRules | keyof typeof comparisons;
    expectTypeOf<Exclude<TableOp, keyof Elementwise<Tensor>>>().toBeNever();
  });
});

describe('shapes and broadcasting', () => {
  test('binary ops broadcast both ways, and the gradient is summed back to each input', () => {
    const a = tensor([[1], [2]], { requiresGrad: true }); // [2, 1]
    const b = tensor([10, 20, 30], { requiresGrad: true }); // [3]
    const c = a.mul(b);
    expect(c.shape).toEqual([2, 3]);
    c.sum().backward();
    expect(a.grad!.toArray()).toEqual([[60], [60]]);
    expect(b.grad!.toArray()).toEqual([3, 3, 3]);
  });

  it.prop(
    [
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom('float32' as const, 'float64' as const),
      fc.integer({ min: 0, max: 1000 }),
    ],
    { seed: 20261206 },
  )(
    'a sum over leading axes adds each row in index order in float64, rounded once: the naive loop’s bits',
    (rows, middle, n, dtype, seed) => {
      // rows·middle rows of n summed into n (the batch of a convolution's weight gradients), eight at a time
      const x = randn([rows, middle, n], { dtype, seed });
      const want = new Float64Array(n);
      for (let r = 0; r < rows * middle; r++) for (let j = 0; j < n; j++) want[j]! += x.data[r * n + j]!;
      const rounded = dtype === 'float32' ? Float32Array.from(want) : want;
      expect(Array.from(x.sum([0, 1]).data)).toEqual(Array.from(rounded));
      expect(Array.from(x.sum(0, true).data)).toEqual(
        Array.from({ length: middle * n }, (_, k) => {
          let s = 0;
          for (let r = 0; r < rows; r++) s += x.data[r * middle * n + k]!;
          return dtype === 'float32' ? Math.fround(s) : s;
        }),
      );
    },
  );

  test('a full reduction is rank 0; keepDims keeps size-1 axes; negative axes count from the end', () => {
    const x = arange(24).reshape([2, 3, 4]);
    expect(x.sum().shape).toEqual([]);
    expect(x.sum().item()).toBe(276);
    expect(x.sum(-1).shape).toEqual([2, 3]);
    expect(x.sum([0, 2], true).shape).toEqual([1, 3, 1]);
    expect(x.mean(1).toArray()).toEqual([
      [4, 5, 6, 7],
      [16, 17, 18, 19],
    ]);
    expect(x.max([0, 1]).toArray()).toEqual([20, 21, 22, 23]);
    expect(x.min(-1, true).toArray()).toEqual([
      [[0], [4], [8]],
      [[12], [16], [20]],
    ]);
  });

  test('max and min share the gradient evenly among ties', () => {
    const x = tensor([3, 1, 3, 2], { requiresGrad: true });
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([0.5, 0, 0.5, 0]);
    const y = tensor(
      [
        [1, 1],
        [0, 2],
      ],
      { requiresGrad: true },
    );
    y.min(1).sum().backward();
    expect(y.grad!.toArray()).toEqual([
      [0.5, 0.5],
      [1, 0],
    ]);
  });

  test('reshape shares data, infers one -1, and transpose permutes axes', () => {
    const x = arange(6);
    const y = x.reshape([2, -1]);
    expect(y.shape).toEqual([2, 3]);
    expect(y.data).toBe(x.data);
    expect(y.T.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(arange(24).reshape([2, 3, 4]).transpose([2, 0, 1]).shape).toEqual([4, 2, 3]);
  });

  test('concat, stack, slice and gather follow NumPy and PyTorch', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4]]);
    expect(concat([a, b], 0).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(concat([a, b], -1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(stack([a, b], 1).shape).toEqual([1, 2, 2]);
    expect(arange(10).slice(0, 2, -3).toArray()).toEqual([2, 3, 4, 5, 6]);
    // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]])) == [[1, 1], [4, 3]]
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const g = t.gather(
      [
        [0, 0],
        [1, 0],
      ],
      1,
    );
    expect(g.toArray()).toEqual([
      [1, 1],
      [4, 3],
    ]);
    g.sum().backward();
    expect(t.grad!.toArray()).toEqual([
      [2, 0],
      [1, 1],
    ]);
  });

  it.prop([
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer(),
  ])('batched matmul with broadcast batch axes equals a naive triple loop per batch', (m, k, n, seed) => {
    const rng = new Rng(seed);
    const a = randn([2, 1, m, k], rng);
    const b = randn([3, k, n], rng);
    const c = a.matmul(b);
    expect(c.shape).toEqual([2, 3, m, n]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let r = 0; r < m; r++)
          for (let q = 0; q < n; q++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += a.data[i * m * k + r * k + p]! * b.data[j * k * n + p * n + q]!;
            expectClose(c.data[((i * 3 + j) * m + r) * n + q]!, s, 1e-14, 1e-14);
          }
  });

  test('every shape error names the shapes or axes involved', () => {
    expect(() => ones([2, 3]).add(ones([4, 3]))).toThrow(
      new ShapeError('add: shapes [2, 3] and [4, 3] cannot be broadcast together (axis -2: 2 vs 4)'),
    );
    expect(() => ones([2, 3]).matmul(ones([4, 5]))).toThrow(
      'matmul: expected [..., m, k] @ [..., k, n], got [2, 3] @ [4, 5] (3 != 4)',
    );
    expect(() => ones([3]).matmul(ones([3, 1]))).toThrow(
      'matmul: expected tensors of rank ≥ 2, got [3] @ [3, 1]',
    );
    expect(() => ones([2, 3]).sum(2)).toThrow(
      'sum: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)',
    );
    expect(() => ones([2, 3]).softmax(-3)).toThrow('softmax: axis -3 is out of range for a tensor of rank 2');
    expect(() => ones([2, 3]).sum([1, -1])).toThrow('sum: axis [1,-1] repeats an axis');
    expect(() => ones([2, 3]).reshape([4, -1])).toThrow(
      'reshape: cannot reshape [2, 3] (6 elements) into [4, -1]',
    );
    expect(() => ones([2, 3]).reshape([-1, -1])).toThrow('reshape: only one axis may be -1');
    expect(() => ones([2, 3, 4]).T).toThrow(
      'T: expected a 2-D tensor, got shape [2, 3, 4]; use transpose(axes)',
    );
    expect(() => ones([2, 3]).transpose([0, 0])).toThrow(
      'transpose: expected a permutation of the 2 axes, got [0,0]',
    );
    expect(() => ones([2, 3]).gather([[0, 3]], 1)).toThrow(
      'gather: index 3 (element 1 of the index) is out of range for axis 1 of size 3',
    );
    expect(() => ones([2, 3]).gather([0, 1], 1)).toThrow(
      'gather: the index has rank 1 (shape [2]), the input rank 2 (shape [2, 3])',
    );
    expect(() => ones([2, 3]).slice(1, 0, 4)).toThrow(
      'slice: position 4 is out of range for an axis of size 3',
    );
    expect(() => concat([ones([2, 3]), ones([3, 3])], 1)).toThrow(
      'concat: shapes [2, 3], [3, 3] differ on an axis other than 1',
    );
    expect(() => stack([ones([2]), ones([3])])).toThrow('stack: expected equal shapes, got [2], [3]');
    expect(() => ones([2, 3]).broadcastTo([3, 3])).toThrow(
      'broadcastTo: shapes [2, 3] and [3, 3] cannot be broadcast together',
    );
    expect(() => ones([0, 3]).mean(0)).toThrow(
      'mean: cannot reduce over 0 elements (shape [0, 3], axes [0])',
    );
    expect(() => ones([2]).item()).toThrow('item: expected a tensor with one element, got shape [2]');
    expect(() => ones([2]).add(Number.NaN)).toThrow('add: expected a Tensor or a finite number, got NaN');
    expect(() => ones([2]).add(new Value(1) as never)).toThrow(
      'add: expected a Tensor or a finite number, got Value',
    );
  });
});

describe('backward', () => {
  test('a non-scalar output needs a seed, and then gives the vector-Jacobian product', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(
      'backward: expected a scalar loss, got shape [3]; call .sum() or .mean() first, or pass a seed of that shape',
    );
    expect(() => y.backward(ones([2]))).toThrow('backward: the seed has shape [2], the output has [3]');
    y.backward(tensor([1, 0, -1]));
    expect(x.grad!.toArray()).toEqual([2, 0, -6]);
  });

  test('a reused tensor gets both contributions, and two passes give leaves exactly twice the gradient', () => {
    const a = tensor([1, -2], { requiresGrad: true });
    const b = a.add(a);
    const loss = b.add(b).sum();
    loss.backward();
    expect(a.grad!.toArray()).toEqual([4, 4]);
    loss.backward();
    expect(a.grad!.toArray()).toEqual([8, 8]);
    a.zeroGrad();
    expect(a.grad).toBeNull();
  });

  test('a chain of 100,000 tensor ops backpropagates without a stack overflow', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001);
    y.sum().backward();
    const expected = 1.00001 ** 100_000;
    expectClose(x.grad!.data[0]!, expected, 1e-9);
  });

  test('nothing is recorded inside noGrad, and requiresGrad can be set on leaves only', () => {
    const x = ones([2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect([y.requiresGrad, y.parents.length]).toEqual([false, 0]);
    const z = x.mul(2);
    expect(() => {
      z.requiresGrad = false;
    }).toThrow('requiresGrad: can only be set on a leaf; this tensor comes from mul');
  });
});

describe('stability', () => {
  test('softmax, logSoftmax and logSumExp of [1e4, 1e4 + 1, -1e4] are finite and correct', () => {
    const x = tensor([1e4, 1e4 + 1, -1e4], { requiresGrad: true });
    const e = Math.exp(-1);
    const s = x.softmax();
    expectClose(s.data[0]!, e / (1 + e), 1e-15);
    expectClose(s.data[1]!, 1 / (1 + e), 1e-15);
    expect(s.data[2]).toBe(0);
    const ls = x.logSoftmax();
    expectClose(ls.data[1]!, -Math.log1p(e), 1e-15);
    expectClose(ls.data[2]!, -2e4 - 1 - Math.log1p(e), 1e-15);
    const lse = x.logSumExp();
    expectClose(lse.item(), 1e4 + 1 + Math.log1p(e), 1e-15);
    lse.backward();
    expectClose(x.grad!.data[0]!, e / (1 + e), 1e-15);
    expect(x.grad!.data[2]).toBe(0);
  });

  test('sigmoid and softplus at ±800 are finite with finite gradients', () => {
    const x = tensor([800, -800], { requiresGrad: true });
    const y = x.sigmoid().add(x.softplus());
    y.sum().backward();
    expect(y.toArray()).toEqual([801, 0]);
    expect(x.grad!.toArray()).toEqual([1, 0]);
  });
});

describe('agreement and random graphs', () => {
  it.prop([expressionGraph({ inputs: 3, maxSteps: 12, shape: shape({ maxRank: 3, maxSize: 3 }) })])(
    'Value and Tensor agree: the same elementwise graph gives the same outputs and gradients',
    (graph) => {
      const f = compileExpression(graph);
      const leaves = graph.inputs.map((xs) => new Tensor(Float64Array.from(xs), graph.shape));
      for (const leaf of leaves) leaf.requiresGrad = true;
      const out = f(leaves);
      out.sum().backward();
      const size = leaves[0]!.size;
      for (let e = 0; e < size; e++) {
        const values = graph.inputs.map((xs) => new Value(xs[e]!));
        const scalar = f(values);
        scalar.backward();
        expect(out.data[e]).toBe(scalar.data);
        values.forEach((v, k) => {
          expect(leaves[k]!.grad!.data[e]).toBe(v.grad);
        });
      }
    },
  );

  it.prop([expressionGraph({ inputs: 2, maxSteps: 10, shape: shape({ maxRank: 2, maxSize: 3 }) })])(
    'random tensor expression graphs with shared sub-expressions equal finite differences',
    (graph) => {
      const f = compileExpression(graph);
      const leaves = graph.inputs.map((xs) => {
        const t = new Tensor(Float64Array.from(xs), graph.shape);
        t.requiresGrad = true;
        return t;
      });
      const report = gradcheck((...xs) => f(xs).sum(), leaves, { atol: 1e-6, rtol: 1e-6 });
      if (!report.ok) expect.fail(`${f.program.join('; ')}: ${JSON.stringify(report)}`);
    },
  );
});

describe('grad, customOp and toDot on tensors', () => {
  test('grad returns gradients shaped like the inputs and leaves .grad alone', () => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const x = tensor([[1], [-1]]);
    const loss = (wt: Tensor, xt: Tensor) => wt.matmul(xt).pow(2).sum();
    const [gw, gx] = grad(loss, [0, 1])(w, x) as Tensor[];
    // W x = [-1, -1]; dL/dW = 2 (Wx) xᵀ, dL/dx = 2 Wᵀ (Wx)
    expect(gw!.toArray()).toEqual([
      [-2, 2],
      [-2, 2],
    ]);
    expect(gx!.toArray()).toEqual([[-8], [-12]]);
    expect(w.grad).toBeNull();
    const [value] = valueAndGrad(loss)(w, x);
    expect((value as Tensor).item()).toBe(2);
  });

  test('grad(grad(f)) on a tensor gives the diagonal Hessian of an elementwise function', () => {
    const f = (x: Tensor) => x.pow(3).sum();
    const d2 = grad((x: Tensor) => (grad(f)(x) as Tensor).sum())(tensor([1, -2]));
    expect(d2.toArray()).toEqual([6, -12]);
  });

  test('a polymorphic custom op works on Values and Tensors alike', () => {
    const cube = customOp({
      name: 'cube',
      forward: (x) => x.mul(x).mul(x),
      vjp: (g, _y, x) => [g.mul(x.mul(x)).mul(3)],
    });
    const t = tensor([1, 2], { requiresGrad: true });
    const y = cube(t);
    expect([y.op, y.toArray()]).toEqual(['cube', [1, 8]]);
    y.sum().backward();
    expect(t.grad!.toArray()).toEqual([3, 12]);
    expect(cube(new Value(2)).data).toBe(8);
    expect(() => cube(t, new Value(1) as never)).toThrow(
      'cube: input 1 is Value; expected every input to be a Tensor',
    );
  });

  test('a Tensor-only custom op may use every Tensor method', () => {
    const rowNorm = customOp<Tensor>({
      name: 'rowNorm',
      forward: (x) => x.pow(2).sum(1).sqrt(),
      vjp: (g, y, x) => [x.div(y.reshape([-1, 1])).mul(g.reshape([-1, 1]))],
    });
    const x = tensor([[3, 4]], { requiresGrad: true });
    expect(gradcheck((t) => rowNorm(t).sum(), [x]).ok).toBe(true);
  });

  test('toDot shows tensor nodes with their op and shape', () => {
    const x = ones([2, 3], { requiresGrad: true, label: 'x' });
    const dot = toDot(x.sum(1).mean());
    expect(dot).toContain('n0 [label="{ x | shape [2, 3] }"];');
    expect(dot).toContain('[label="sum", shape=ellipse];');
    // an unlabeled node is named by its id, and its adjoint is the bar over that name: n̅4̅ = 1
    expect(dot).toMatch(/(n\d) \[label="\{ \1 \| shape \[\] \| data 3 \| n\u0305\d\u0305 = 1 \}"\];/u);
  });
});
