import { tensor, Value } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import { Adam, AdamW, SGD } from '@adjoint/nn';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';

// f(x) = Σ ½ aᵢxᵢ² + bᵢxᵢ, so ∇f = a ⊙ x + b. Each optimizer runs on it and is compared with the update
// rule of PyTorch's documentation, transcribed here in plain numbers.
const a = [1.5, 0.2, 3];
const b = [-1, 0.5, 2];
const x0 = [0.7, -1.2, 0.3];
const grad = (x: readonly number[]) => x.map((v, i) => a[i]! * v + b[i]!);

function run(
  make: (params: [import('@adjoint/autograd').Tensor]) => { step(): void; zeroGrad(): void },
  steps: number,
): number[][] {
  const x = tensor(x0, { requiresGrad: true });
  const optimizer = make([x]);
  const path: number[][] = [];
  for (let t = 0; t < steps; t++) {
    optimizer.zeroGrad();
    x.mul(x)
      .mul(tensor(a))
      .mul(0.5)
      .add(x.mul(tensor(b)))
      .sum()
      .backward();
    optimizer.step();
    path.push(Array.from(x.data));
  }
  return path;
}

function sgdReference(
  o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean },
  steps: number,
): number[][] {
  let x = [...x0];
  let buf: number[] | null = null;
  const path: number[][] = [];
  for (let t = 0; t < steps; t++) {
    let g = grad(x).map((gi, i) => gi + o.weightDecay * x[i]!);
    if (o.momentum !== 0) {
      buf = buf === null ? g : buf.map((bi, i) => o.momentum * bi + (1 - o.dampening) * g[i]!);
      g = o.nesterov ? g.map((gi, i) => gi + o.momentum * buf![i]!) : buf;
    }
    x = x.map((xi, i) => xi - o.lr * g[i]!);
    path.push(x);
  }
  return path;
}

function adamReference(
  o: { lr: number; betas: [number, number]; eps: number; weightDecay: number; decoupled: boolean },
  steps: number,
): number[][] {
  let x = [...x0];
  let m = x.map(() => 0);
  let v = x.map(() => 0);
  const path: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = grad(x).map((gi, i) => gi + (o.decoupled ? 0 : o.weightDecay * x[i]!)); // ∇ at x before the step
    if (o.decoupled) x = x.map((xi) => xi - o.lr * o.weightDecay * xi);
    m = m.map((mi, i) => o.betas[0] * mi + (1 - o.betas[0]) * g[i]!);
    v = v.map((vi, i) => o.betas[1] * vi + (1 - o.betas[1]) * g[i]! ** 2);
    const mHat = m.map((mi) => mi / (1 - o.betas[0] ** t));
    const vHat = v.map((vi) => vi / (1 - o.betas[1] ** t));
    x = x.map((xi, i) => xi - (o.lr * mHat[i]!) / (Math.sqrt(vHat[i]!) + o.eps));
    path.push(x);
  }
  return path;
}

describe("optimizers follow PyTorch's update rules", () => {
  it.prop([
    fc.double({ min: 0.01, max: 0.3, noNaN: true }),
    fc.constantFrom(0, 0.9),
    fc.constantFrom(0, 0.1),
    fc.constantFrom(0, 0.01),
    fc.boolean(),
  ])(
    'SGD with momentum, dampening, weight decay and Nesterov',
    (lr, momentum, dampening, weightDecay, nesterovWish) => {
      const nesterov = nesterovWish && momentum > 0 && dampening === 0;
      const options = { lr, momentum, dampening, weightDecay, nesterov };
      const path = run((params) => new SGD(params, options), 20);
      for (const [t, x] of sgdReference(options, 20).entries())
        assertClose(path[t]!, x, { rtol: 1e-12, atol: 1e-14 });
    },
  );

  it.prop([
    fc.double({ min: 0.001, max: 0.2, noNaN: true }),
    fc.constantFrom<[number, number]>([0.9, 0.999], [0.5, 0.9]),
    fc.constantFrom(0, 0.05),
  ])(
    'Adam with bias correction and weight decay added to the gradient; AdamW with decoupled decay',
    (lr, betas, weightDecay) => {
      for (const decoupled of [false, true]) {
        const options = { lr, betas, eps: 1e-8, weightDecay };
        const path = run(
          (params) => (decoupled ? new AdamW(params, options) : new Adam(params, options)),
          20,
        );
        for (const [t, x] of adamReference({ ...options, decoupled }, 20).entries()) {
          assertClose(path[t]!, x, { rtol: 1e-11, atol: 1e-14 });
        }
      }
    },
  );

  test('Value parameters take the same steps as a Tensor', () => {
    const xs = x0.map((v) => new Value(v));
    const adam = new Adam(xs, { lr: 0.1 });
    for (let t = 0; t < 5; t++) {
      adam.zeroGrad();
      Value.sum(
        xs.map((x, i) =>
          x
            .mul(x)
            .mul(a[i]! / 2)
            .add(x.mul(b[i]!)),
        ),
      ).backward();
      adam.step();
    }
    assertClose(
      xs.map((x) => x.data),
      run((params) => new Adam(params, { lr: 0.1 }), 5)[4]!,
      { rtol: 1e-14 },
    );
  });

  test('one SGD step lowers the loss, and a parameter without a gradient is left alone', () => {
    const x = new Value(2);
    const unused = new Value(5);
    const sgd = new SGD([x, unused], { lr: 0.1 });
    x.pow(2).backward();
    sgd.step();
    expect([x.data, unused.data]).toEqual([1.6, 5]);
  });

  test('invalid hyperparameters throw, naming them', () => {
    const p = [new Value(1)];
    expect(() => new SGD(p, { lr: 0 })).toThrow('SGD: learning rate must be > 0, got 0');
    expect(() => new SGD(p, { lr: 0.1, momentum: 1 })).toThrow('SGD: momentum must be in [0, 1), got 1');
    expect(() => new SGD(p, { lr: 0.1, nesterov: true })).toThrow(
      'SGD: Nesterov momentum needs momentum > 0 and dampening 0',
    );
    expect(() => new SGD(p, { lr: 0.1, weightDecay: -1 })).toThrow(
      'SGD: weight decay must be in [0, Infinity), got -1',
    );
    expect(() => new Adam(p, { lr: Number.NaN })).toThrow('Adam: learning rate must be > 0, got NaN');
    expect(() => new Adam(p, { betas: [0.9, 1] })).toThrow('Adam: beta2 must be in [0, 1), got 1');
    expect(() => new AdamW(p, { eps: 0 })).toThrow('AdamW: eps must be > 0, got 0');
    expect(() => new SGD([], { lr: 1 })).toThrow('SGD: expected a non-empty array of parameters');
    expect(() => new SGD([3 as never], { lr: 1 })).toThrow('SGD: parameter 0 is 3, not a Value or a Tensor');
  });
});
