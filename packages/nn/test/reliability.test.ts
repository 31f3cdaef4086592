import {
  arange,
  customOp,
  eye,
  full,
  type NestedArray,
  ones,
  randn,
  type Tensor,
  tensor,
  Value,
  zeros,
} from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import { Adam, AdamW, mlp, SGD } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// What a user can rely on when input or use is unusual: per-parameter optimizer state, user vjps checked
// by the engine, seeds never broadcast, one rule for narrowing to float32, all-or-nothing backward.

type Optimizer = { step(): void; zeroGrad(): void };

/**
 * Two parameters, p joining late: step 1 has a gradient for q only (p's grad is null), step 2 for both,
 * with the loss Σ p² + Σ q². Returns p and q after the two steps.
 */
function lateJoin(make: (params: Tensor[]) => Optimizer): [number[], number[]] {
  const p = tensor([0.5, -1], { requiresGrad: true });
  const q = tensor([2], { requiresGrad: true });
  const opt = make([p, q]);
  opt.zeroGrad();
  q.mul(q).sum().backward();
  opt.step();
  opt.zeroGrad();
  p.mul(p).sum().add(q.mul(q).sum()).backward();
  opt.step();
  return [Array.from(p.data), Array.from(q.data)];
}

describe('optimizer state is per parameter, as PyTorch state[p]', () => {
  test('Adam: a parameter that joins late starts its own bias correction (PyTorch gives p = [0.400000001, -0.9000000005])', () => {
    const [p] = lateJoin((params) => new Adam(params, { lr: 0.1 }));
    assertClose(p, [0.400000001, -0.9000000005], { atol: 2e-9, rtol: 0 });
  });

  test('AdamW: the same, with its decoupled decay (PyTorch gives p[0] = 0.399500001)', () => {
    const [p] = lateJoin((params) => new AdamW(params, { lr: 0.1 }));
    assertClose(p[0]!, 0.399500001, { atol: 2e-9, rtol: 0 });
  });

  test('SGD with momentum: the buffer of a late parameter starts as its first gradient', () => {
    const [p, q] = lateJoin((params) => new SGD(params, { lr: 0.1, momentum: 0.9 }));
    // p: one step with buffer = ∇ = 2p; q: buffers 4 then 0.9·4 + 3.2, as PyTorch's momentum_buffer
    assertClose(p, [0.5 - 0.1 * 1, -1 - 0.1 * -2], { atol: 1e-15, rtol: 0 });
    assertClose(q, [2 - 0.4 - 0.1 * (0.9 * 4 + 3.2)], { atol: 1e-15, rtol: 0 });
  });

  test.each([
    ['SGD', (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })],
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.1 })],
    ['AdamW', (ps: Tensor[]) => new AdamW(ps, { lr: 0.1 })],
  ])('%s: steps with every grad null change nothing, not even the state', (_name, make) => {
    const run = (idleSteps: number) => {
      const p = tensor([0.5, -1], { requiresGrad: true });
      const opt = make([p]);
      for (let i = 0; i < idleSteps; i++) {
        opt.zeroGrad();
        opt.step();
      }
      for (let i = 0; i < 2; i++) {
        opt.zeroGrad();
        p.mul(p).sum().backward();
        opt.step();
      }
      return Array.from(p.data);
    };
    expect(run(3)).toEqual(run(0));
  });

  test('an optimizer given the same parameter twice refuses it', () => {
    const p = tensor([1], { requiresGrad: true });
    expect(() => new SGD([p, p], { lr: 0.1 })).toThrow(
      'SGD: parameter 1 is parameter 0 again; give each once',
    );
    const v = new Value(1);
    expect(() => new Adam([v, new Value(2), v])).toThrow('Adam: parameter 2 is parameter 0 again');
  });
});

describe("a custom op's vjp may return anything; the engine names the op and the input", () => {
  const x = () => tensor([1, 2], { requiresGrad: true });
  const op = (vjp: (g: Tensor) => unknown) =>
    customOp<Tensor>({ name: 'twice', forward: (t) => t.mul(2), vjp: vjp as (g: Tensor) => Tensor[] });
  test.each([
    [
      'the wrong count',
      (g: Tensor) => [g.mul(2), g],
      'vjp of twice: expected 1 gradient(s), one per input, got 2',
    ],
    ['no array', (g: Tensor) => g, 'vjp of twice: expected an array of gradients, one per input, got Tensor'],
    [
      'the wrong shape',
      (g: Tensor) => [g.sum()],
      'vjp of twice: gradient for input 0 has shape [], input has [2]',
    ],
    ['a number', () => [2], 'vjp of twice: the gradient for input 0 is 2, expected a Tensor or null'],
    [
      'a string',
      () => ['g'],
      'vjp of twice: the gradient for input 0 is the string "g", expected a Tensor or null',
    ],
    [
      'a Value',
      () => [new Value(1)],
      'vjp of twice: the gradient for input 0 is Value, expected a Tensor or null',
    ],
    ['null where one is needed', () => [null], 'the gradient for input 0 is null, but input 0 requires grad'],
  ])('%s', (_what, vjp, message) => {
    const input = x();
    expect(() => op(vjp)(input).sum().backward()).toThrow(message);
    expect(input.grad).toBeNull();
  });

  test('a gradient of another dtype is cast to its input’s, as PyTorch does', () => {
    const input = x();
    op((g) => [g.mul(2).astype('float32')])(input)
      .sum()
      .backward();
    expect(input.grad!.dtype).toBe('float64');
    expect(input.grad!.toArray()).toEqual([2, 2]);
  });

  test('on Values too', () => {
    const v = new Value(3);
    const bad = customOp<Value>({ name: 'cube', forward: (a) => a.mul(a).mul(a), vjp: () => [] });
    expect(() => bad(v).backward()).toThrow('vjp of cube: expected 1 gradient(s), one per input, got 0');
    const wrong = customOp<Value>({ name: 'cube', forward: (a) => a, vjp: () => [tensor(1) as never] });
    expect(() => wrong(v).backward()).toThrow(
      'vjp of cube: the gradient for input 0 is Tensor, expected a Value or null',
    );
  });
});

describe('backward() is all or nothing', () => {
  const failing = customOp<Tensor>({
    name: 'fails',
    forward: (t) => t.mul(1),
    vjp: () => {
      throw new Error('this vjp fails');
    },
  });

  test('a vjp that throws leaves every leaf gradient as it was, even those the sweep reached first', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    // the sweep reaches the leaf a before the failing op, so a would have its gradient already
    const out = failing(b).add(a).sum();
    expect(() => out.backward()).toThrow('this vjp fails');
    expect(a.grad).toBeNull();
    a.mul(5).sum().backward();
    expect(a.grad!.toArray()).toEqual([5, 5]);
  });

  test('on Values, a leaf that already had a gradient keeps it', () => {
    const bad = customOp<Value>({
      name: 'fails',
      forward: (v) => v.mul(1),
      vjp: () => {
        throw new Error('this vjp fails');
      },
    });
    const a = new Value(2);
    a.mul(3).backward();
    expect(() => bad(new Value(1)).add(a.mul(7)).backward()).toThrow('this vjp fails');
    expect(a.grad).toBe(3);
  });
});

describe('seeds are checked for shape and dtype, never broadcast', () => {
  test('a number seed for an output of three elements is refused, as PyTorch does', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward(2)).toThrow(
      'backward: expected a scalar loss, got shape [3], and a number seed (2) is not broadcast',
    );
    expect(x.grad).toBeNull();
  });

  test('a number seed of a one-element output scales it', () => {
    const x = tensor([3], { requiresGrad: true });
    x.mul(2).backward(5);
    expect(x.grad!.toArray()).toEqual([10]);
  });

  test('a tensor seed must have the output’s shape and dtype', () => {
    const y = tensor([1, 2, 3], { requiresGrad: true }).mul(2);
    expect(() => y.backward(ones([1]))).toThrow('backward: the seed has shape [1], the output has [3]');
    expect(() => y.backward(ones([3], { dtype: 'float32' }))).toThrow(
      'backward: the seed is float32, the output is float64; cast it with astype()',
    );
  });
});

describe('narrowing to float32 has one rule: a number beyond its range is an error naming where', () => {
  test('loadState reports the parameter and the element, and changes nothing', () => {
    const spec = { inputs: 2, layers: [{ units: 2, activation: 'tanh' as const }], seed: 1 };
    const net = mlp(spec, { dtype: 'float32' });
    const before = net.parameters().map((p) => p.toArray());
    const json = mlp(spec).toJSON();
    const file = {
      ...json,
      layers: [
        {
          ...json.layers[0]!,
          weight: [
            [0.5, 1e39],
            [1, 2],
          ],
        },
      ],
    };
    expect(() => net.loadState(file)).toThrow(
      'loadState: layers[0].weight (parameter 0.weight), flattened: element 1 (1e+39) is beyond the range of float32',
    );
    expect(net.parameters().map((p) => p.toArray())).toEqual(before);
  });

  test('astype, creation and optimizers follow the same rule', () => {
    expect(() => tensor([1, 1e39]).astype('float32')).toThrow(
      'astype: element 1 (1e+39) is beyond the range of float32',
    );
    expect(() => tensor([1e39], { dtype: 'float32' })).toThrow(
      'tensor: element 0 (1e+39) is beyond the range of float32',
    );
    expect(() => full([2], -1e300, { dtype: 'float32' })).toThrow(
      'full: element 0 (-1e+300) is beyond the range of float32',
    );
    expect(tensor([1, 1e-50]).astype('float32').toArray()).toEqual([1, 0]); // underflow to 0 is rounding, not an error
  });

  test('an optimizer step that would overflow a float32 parameter throws and writes nothing', () => {
    const p = tensor([1], { dtype: 'float32', requiresGrad: true });
    const q = tensor([3e38], { dtype: 'float32', requiresGrad: true });
    const sgd = new SGD([p, q], { lr: 1e38 });
    p.sum().add(q.mul(-1).sum()).backward(); // ∇p = 1, ∇q = -1
    expect(() => sgd.step()).toThrow(
      `SGD: the step of parameter 1: element 0 (${Math.fround(3e38) + 1e38}) is beyond the range of float32`,
    );
    expect([p.item(), q.item()]).toEqual([1, Math.fround(3e38)]);
  });

  test('with a float32 parameter beside them, float64 parameters are not written before the step is known to succeed', () => {
    const w = tensor([2, 4], { requiresGrad: true }); // float64, stepped first
    const q = tensor([3e38], { dtype: 'float32', requiresGrad: true });
    const sgd = new SGD([w, q], { lr: 1e38 });
    w.sum().add(q.mul(-1).sum()).backward();
    expect(() => sgd.step()).toThrow('SGD: the step of parameter 1');
    expect(w.toArray()).toEqual([2, 4]);
  });

  test('parameters that share memory are each stepped from the values before the step', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = a.detach(); // the same memory
    b.requiresGrad = true;
    const sgd = new SGD([a, b], { lr: 0.5 });
    a.sum().add(b.mul(3).sum()).backward(); // ∇a = 1, ∇b = 3
    sgd.step();
    // a is written first, then b, each computed from [1, 2]: b's values are what the memory holds
    expect(a.toArray()).toEqual([1 - 0.5 * 3, 2 - 0.5 * 3]);
  });
});

describe('bad options and absurd sizes get errors naming them', () => {
  test('option values are type-checked', () => {
    expect(() => tensor([1], { requiresGrad: 'false' as never })).toThrow(
      'tensor: expected requiresGrad to be true or false, got the string "false"',
    );
    expect(() => zeros([1], { label: 3 as never })).toThrow('zeros: expected label to be a string, got 3');
  });

  test.each([
    ['zeros', () => zeros([2 ** 16, 2 ** 16, 2]), 'zeros: shape [65536, 65536, 2] holds 8589934592 elements'],
    ['ones', () => ones([2 ** 33]), 'ones: shape [8589934592] holds 8589934592 elements; at most 4294967295'],
    ['full', () => full([2 ** 32], 1), 'full: shape [4294967296] holds 4294967296 elements'],
    ['randn', () => randn([2 ** 20, 2 ** 20], { seed: 1 }), 'randn: shape [1048576, 1048576] holds'],
    ['eye', () => eye(1e5), 'eye: shape [100000, 100000] holds 10000000000 elements'],
    ['arange', () => arange(1e10), 'arange: shape [10000000000] holds 10000000000 elements'],
    [
      'mlp',
      () => mlp({ inputs: 3, layers: [{ units: 1e12, activation: 'relu' }] }),
      'spec.layers[0].units: a weight of 1000000000000 × 3 = 3000000000000 elements; a tensor holds at most 4294967295',
    ],
  ])('%s past 2³² elements', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('arrays nested 100,000 deep are refused by depth, not by the stack', () => {
    let nested: NestedArray = 1;
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(() => tensor(nested)).toThrow(
      'tensor: the arrays are nested more than 64 deep; a tensor has at most 64 axes',
    );
  });
});
