import { grad, jvp, Rng, randn, type Tensor, tensor, Value } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { expectClose } from './close';

// The hand derivations of notes 000 and 001, reproduced by backpropagation, and note 004's network in
// forward mode. Each test names its equation.

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** n samples of a 1-D data set. */
const samples = (n: number) => fc.array(fc.tuple(real(-2, 2), real(-2, 2)), { minLength: n, maxLength: n });

describe('note 001 §1.2: the linear model y = w·x', () => {
  it.prop([real(-3, 3), fc.array(fc.tuple(real(-5, 5), real(-5, 5)), { minLength: 1, maxLength: 12 })])(
    "eq. 9: C'(w) = (2/n) Σ xᵢ (xᵢ w - yᵢ)",
    (w0, data) => {
      const w = new Value(w0);
      // eq. 3: C(w) = (1/n) Σ (xᵢ w - yᵢ)²
      const cost = Value.sum(data.map(([x, y]) => w.mul(x).sub(y).pow(2))).div(data.length);
      cost.backward();
      const hand = (2 / data.length) * data.reduce((s, [x, y]) => s + x * (x * w0 - y), 0);
      expectClose(w.grad, hand, 1e-12, 1e-12);
    },
  );
});

describe('note 001 §1.3: one neuron with two inputs', () => {
  it.prop([
    fc.tuple(real(-2, 2), real(-2, 2), real(-2, 2)),
    samples(6),
    fc.array(real(0, 1), { minLength: 6, maxLength: 6 }),
  ])(
    'eq. 26-28: ∂C/∂w₁, ∂C/∂w₂, ∂C/∂b = (1/n) Σ 2(aᵢ - zᵢ) aᵢ(1 - aᵢ) · (i₁, i₂, 1)',
    ([w10, w20, b0], inputs, targets) => {
      const [w1, w2, b] = [new Value(w10), new Value(w20), new Value(b0)];
      // eq. 10, 13, 23: aᵢ = σ(i₁ w₁ + i₂ w₂ + b), C = (1/n) Σ (aᵢ - zᵢ)²
      const cost = Value.sum(
        inputs.map(([i1, i2], k) => w1.mul(i1).add(w2.mul(i2)).add(b).sigmoid().sub(targets[k]!).pow(2)),
      ).div(inputs.length);
      cost.backward();
      const terms = inputs.map(([i1, i2], k) => {
        const a = sig(i1 * w10 + i2 * w20 + b0);
        const common = 2 * (a - targets[k]!) * a * (1 - a);
        return [common * i1, common * i2, common];
      });
      expectClose(w1.grad, mean(terms.map((t) => t[0]!)), 1e-12, 1e-14); // eq. 26
      expectClose(w2.grad, mean(terms.map((t) => t[1]!)), 1e-12, 1e-14); // eq. 27
      expectClose(b.grad, mean(terms.map((t) => t[2]!)), 1e-12, 1e-14); // eq. 28
    },
  );
});

describe('note 001 §1.4: two neurons in a chain', () => {
  it.prop([fc.tuple(real(-2, 2), real(-2, 2), real(-2, 2), real(-2, 2)), samples(5)])(
    'eq. 41-43 are the gradients of C⁽²⁾; eq. 49-50 are those of C⁽¹⁾ built from eq. 44-45',
    ([w1_0, b1_0, w2_0, b2_0], data) => {
      const n = data.length;
      const [w1, b1, w2, b2] = [w1_0, b1_0, w2_0, b2_0].map((x) => new Value(x)) as [
        Value,
        Value,
        Value,
        Value,
      ];
      // eq. 31, 34: a⁽¹⁾ = σ(x w⁽¹⁾ + b⁽¹⁾), a⁽²⁾ = σ(a⁽¹⁾ w⁽²⁾ + b⁽²⁾); eq. 38: C⁽²⁾ = (1/n) Σ (a⁽²⁾ - y)²
      const a1 = data.map(([x]) => w1.mul(x).add(b1).sigmoid().retainGrad());
      const a2 = a1.map((a) => a.mul(w2).add(b2).sigmoid());
      Value.sum(a2.map((a, i) => a.sub(data[i]![1]).pow(2)))
        .div(n)
        .backward();

      const hand = data.map(([x, y]) => {
        const h = sig(x * w1_0 + b1_0);
        const o = sig(h * w2_0 + b2_0);
        return {
          x,
          h,
          dw2: 2 * (o - y) * o * (1 - o) * h,
          db2: 2 * (o - y) * o * (1 - o),
          da1: (2 * (o - y) * o * (1 - o) * w2_0) / n,
        };
      });
      expectClose(w2.grad, mean(hand.map((t) => t.dw2)), 1e-12, 1e-14); // eq. 41
      expectClose(b2.grad, mean(hand.map((t) => t.db2)), 1e-12, 1e-14); // eq. 42
      // eq. 43, per sample: ∂C⁽²⁾/∂aᵢ⁽¹⁾ = (1/n) 2(aᵢ⁽²⁾ - yᵢ) aᵢ⁽²⁾(1 - aᵢ⁽²⁾) w⁽²⁾
      for (const [i, a] of a1.entries()) expectClose(a.grad, hand[i]!.da1, 1e-12, 1e-16);

      // eq. 44-45: eᵢ = aᵢ⁽¹⁾ - ∂C⁽²⁾/∂aᵢ⁽¹⁾ held fixed, C⁽¹⁾ = (1/n) Σ (aᵢ⁽¹⁾ - eᵢ)²
      const u1 = new Value(w1_0);
      const c1 = new Value(b1_0);
      const e = a1.map((a) => a.data - a.grad);
      Value.sum(data.map(([x], i) => u1.mul(x).add(c1).sigmoid().sub(e[i]!).pow(2)))
        .div(n)
        .backward();
      const dw1 = mean(hand.map((t) => 2 * t.da1 * t.h * (1 - t.h) * t.x)); // eq. 49
      const db1 = mean(hand.map((t) => 2 * t.da1 * t.h * (1 - t.h))); // eq. 50
      expectClose(u1.grad, dw1, 1e-9, 1e-14);
      expectClose(c1.grad, db1, 1e-9, 1e-14);
      // The surrogate C⁽¹⁾ descends along the true gradient of C⁽²⁾, scaled by 2/n.
      expectClose(u1.grad, (2 / n) * w1.grad, 1e-9, 1e-14);
      expectClose(c1.grad, (2 / n) * b1.grad, 1e-9, 1e-14);
    },
  );
});

describe('note 001 §1.5: a chain of m neurons', () => {
  it.prop([fc.array(fc.tuple(real(-2, 2), real(-2, 2)), { minLength: 1, maxLength: 6 }), samples(4)])(
    'eq. 56-58: the layer-wise recursion equals (2/n)^(m-l) times the true gradient at layer l',
    (layers, data) => {
      const n = data.length;
      const m = layers.length;
      const params = layers.map(([w, b]) => ({ w: new Value(w), b: new Value(b) }));
      // eq. 51: aᵢ⁽ˡ⁾ = σ(aᵢ⁽ˡ⁻¹⁾ w⁽ˡ⁾ + b⁽ˡ⁾), aᵢ⁽⁰⁾ = xᵢ; C = (1/n) Σ (aᵢ⁽ᵐ⁾ - yᵢ)²
      const outputs = data.map(([x]) =>
        params.reduce<Value | number>((a, { w, b }) => w.mul(a).add(b).sigmoid(), x),
      );
      Value.sum(outputs.map((a, i) => (a as Value).sub(data[i]![1]).pow(2)))
        .div(n)
        .backward();

      // The seed's recursion, by hand: δ⁽ᵐ⁾ = a⁽ᵐ⁾ - y, then eq. 56-58 layer by layer.
      const activations = data.map(([x]) => {
        const as = [x];
        for (const [w, b] of layers) as.push(sig(as.at(-1)! * w + b));
        return as;
      });
      let delta = activations.map((as, i) => as[m]! - data[i]![1]);
      for (let l = m; l >= 1; l--) {
        const [w] = layers[l - 1]!;
        const slope = activations.map((as) => as[l]! * (1 - as[l]!));
        const dw = mean(delta.map((d, i) => 2 * d * slope[i]! * activations[i]![l - 1]!)); // eq. 56
        const db = mean(delta.map((d, i) => 2 * d * slope[i]!)); // eq. 57
        const scale = (2 / n) ** (m - l);
        expectClose(dw, scale * params[l - 1]!.w.grad, 1e-9, 1e-15);
        expectClose(db, scale * params[l - 1]!.b.grad, 1e-9, 1e-15);
        delta = delta.map((d, i) => (2 * d * slope[i]! * w) / n); // eq. 58, per sample
      }
    },
  );
});

describe('note 000: one neuron, the 1/(2m) cost and the activations', () => {
  const activations = {
    sigmoid: { f: (z: Value) => z.sigmoid(), value: sig, slope: (z: number) => sig(z) * (1 - sig(z)) },
    relu: {
      f: (z: Value) => z.relu(),
      value: (z: number) => Math.max(z, 0),
      slope: (z: number) => (z >= 0 ? 1 : 0),
    },
  };
  describe.each(Object.entries(activations))('with %s', (_name, act) => {
    it.prop([
      fc.array(real(-2, 2), { minLength: 3, maxLength: 3 }),
      real(-1, 1),
      fc.array(fc.array(real(-2, 2), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
    ])(
      'eq. 6-7: ∂C/∂wᵢ = (1/m) Σⱼ (f(zⱼ) - yⱼ) f′(zⱼ) xᵢⱼ and ∂C/∂b = (1/m) Σⱼ (f(zⱼ) - yⱼ) f′(zⱼ)',
      (w0, b0, rows) => {
        const w = w0.map((x) => new Value(x));
        const b = new Value(b0);
        // eq. 1-3: zⱼ = Σᵢ wᵢ xᵢⱼ + b, C = 1/(2m) Σⱼ (f(zⱼ) - yⱼ)²; the last column is yⱼ
        const cost = Value.sum(
          rows.map((r) =>
            act
              .f(Value.sum(w.map((wi, i) => wi.mul(r[i]!))).add(b))
              .sub(r[3]!)
              .pow(2),
          ),
        ).div(2 * rows.length);
        cost.backward();
        const z = rows.map((r) => w0.reduce((s, wi, i) => s + wi * r[i]!, 0) + b0);
        const common = rows.map((r, j) => (act.value(z[j]!) - r[3]!) * act.slope(z[j]!));
        for (const [i, wi] of w.entries()) {
          expectClose(wi.grad, mean(common.map((c, j) => c * rows[j]![i]!)), 1e-12, 1e-14);
        }
        expectClose(b.grad, mean(common), 1e-12, 1e-14);
      },
    );
  });

  it.prop([real(-30, 30)])("eq. 9: σ'(x) = σ(x)(1 - σ(x)), to the last bit", (x0) => {
    const x = new Value(x0);
    const s = x.sigmoid();
    s.backward();
    expect(x.grad).toBe(s.data * (1 - s.data));
  });

  it.prop([real(-5, 5)])("eq. 11: ReLU'(x) = 0 for x < 0 and 1 for x ≥ 0", (x0) => {
    const x = new Value(x0);
    x.relu().backward();
    expect(x.grad).toBe(x0 >= 0 ? 1 : 0);
  });

  test("eq. 11 at the kink: ReLU'(0) = 1, and ReLU(0) = 0", () => {
    const x = new Value(0);
    const y = x.relu();
    y.backward();
    expect([y.data, x.grad]).toEqual([0, 1]);
  });
});

describe('note 004, forward mode: the 2-3-1 network with tangents beside its bars', () => {
  // g = U x + b, h = tanh g, z = W h + c, o = σ(z), ε = mean of the softplus log-loss
  const U = tensor([
    [0.5, -1.2],
    [0.8, 0.3],
    [-0.4, 0.9],
  ]);
  const b = tensor([0.1, -0.2, 0.05]);
  const W = tensor([[1.1, -0.7, 0.6]]);
  const c = tensor([0.3]);
  const X = tensor([
    [0.2, -1],
    [1.5, 0.4],
    [-0.6, 0.8],
    [0, 2],
  ]);
  const y = tensor([1, 0, 1, 0]);
  const forward = (u: Tensor, bb: Tensor, w: Tensor, cc: Tensor, x: Tensor) =>
    x.matmul(u.T).add(bb).tanh().matmul(w.T).add(cc).reshape([4]);
  const outputs = (x: Tensor) => forward(U, b, W, c, x).sigmoid();

  test('one jvp per input direction gives a column of ∂o/∂x; the bars give it a row at a time', () => {
    // the hand form: ∂oᵢ/∂xᵢₖ = oᵢ(1 − oᵢ) Σⱼ wⱼ (1 − tanh² gᵢⱼ) uⱼₖ
    const G = X.matmul(U.T).add(b).toArray() as number[][];
    const o = outputs(X).toArray() as number[];
    const hand = (i: number, k: number) =>
      o[i]! *
      (1 - o[i]!) *
      [0, 1, 2].reduce(
        (s, j) =>
          s +
          (W.toArray() as number[][])[0]![j]! *
            (1 - Math.tanh(G[i]![j]!) ** 2) *
            (U.toArray() as number[][])[j]![k]!,
        0,
      );
    for (const k of [0, 1]) {
      const direction = tensor([0, 1, 2, 3].map(() => (k === 0 ? [1, 0] : [0, 1])));
      const [, column] = jvp(outputs, [X], [direction]);
      for (const [i, v] of (column.toArray() as number[]).entries()) expectClose(v, hand(i, k), 1e-14, 1e-15);
    }
    // the bars: one backward pass per output oᵢ; the samples do not mix, so x̄ of Σ oᵢ holds every row
    const rows = grad((x: Tensor) => outputs(x).sum())(X).toArray() as number[][];
    for (const [i, row] of rows.entries())
      for (const [k, v] of row.entries()) expectClose(v, hand(i, k), 1e-14, 1e-15);
  });

  test('the tangent of ε along a direction of the parameters is the bars dotted with it', () => {
    const loss = (u: Tensor, bb: Tensor, w: Tensor, cc: Tensor) => {
      const z = forward(u, bb, w, cc, X);
      // note 004's softplus form: y log(1 + e⁻ᶻ) + (1 − y) log(1 + eᶻ)
      return y.mul(z.neg().softplus()).add(y.neg().add(1).mul(z.softplus())).mean();
    };
    const rng = new Rng(4);
    const params = [U, b, W, c] as [Tensor, Tensor, Tensor, Tensor];
    const dirs = params.map((p) => randn(p.shape, { rng })) as [Tensor, Tensor, Tensor, Tensor];
    const [, epsDot] = jvp(loss, params, dirs);
    const bars = grad(loss, [0, 1, 2, 3])(...params);
    const dotted = bars.reduce((s, g, i) => s + g.mul(dirs[i]!).sum().item(), 0);
    expectClose(epsDot.item(), dotted, 1e-13, 1e-15);
  });
});
