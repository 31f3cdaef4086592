import { type Tensor, tensor, type Value } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import {
  type Activation,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type Linear,
  mlp,
  mse,
  type Sequential,
  scalarMlp,
} from '@adjoint/nn';
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

// The hand derivations of notes 000, 002, 003 and 004, reproduced through the nn package.
// Matrices here are plain row-major number[][]; the hand formulas are computed with these helpers.

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const matrix = (rows: number, cols: number, min = -2, max = 2) =>
  fc.array(fc.array(real(min, max), { minLength: cols, maxLength: cols }), {
    minLength: rows,
    maxLength: rows,
  });
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const matmul = (a: number[][], b: number[][]) =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: number[][]) => a[0]!.map((_, j) => a.map((row) => row[j]!));
const mapM = (a: number[][], f: (v: number, i: number, j: number) => number) =>
  a.map((row, i) => row.map((v, j) => f(v, i, j)));
const colSums = (a: number[][]) => a[0]!.map((_, j) => a.reduce((s, row) => s + row[j]!, 0));
const rows = (t: Tensor) => t.toArray() as number[][];
const layers = (net: Sequential) => net.modules as [Linear, Activation, Linear, Activation];

describe('note 002: logistic regression', () => {
  it.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer()])(
    '∂J/∂w = (1/n)·x(a − y)ᵀ and ∂J/∂b = (1/n) Σ (aⱼ − yⱼ), by autodiff of the log-loss',
    (m, n, seed) => {
      const net = mlp({ inputs: m, layers: [{ units: 1, activation: 'sigmoid' }], seed });
      const X = Array.from({ length: n }, (_, j) =>
        Array.from({ length: m }, (_, i) => Math.sin(seed + 3 * j + i)),
      );
      const y = X.map((_, j) => [j % 2]);
      binaryCrossEntropy(net.forward(tensor(X)), tensor(y)).backward();
      const [linear] = layers(net);
      const a = rows(net.forward(tensor(X)));
      const dz = a.map((row, j) => [row[0]! - y[j]![0]!]); // a − y, one row per example
      // note 002's x is [features, examples]: x(a − y)ᵀ / n is our Xᵀ(a − y) / n, laid out as weight [1, m]
      const dw = transpose(matmul(transpose(X), dz)).map((row) => row.map((v) => v / n));
      assertClose(linear.weight.grad!, dw.flat(), { rtol: 1e-12, atol: 1e-15 });
      assertClose(linear.bias.grad!, [dz.reduce((s, [v]) => s + v!, 0) / n], { rtol: 1e-12, atol: 1e-15 });
    },
  );
});

describe('note 002 §2.1: a single hidden layer', () => {
  it.prop([
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer(),
  ])(
    'δ[2] = a[2] − y, δ[1] = g′(z[1]) ⊙ W[2]ᵀδ[2], and the four gradients (1/n) δ[2]a[1]ᵀ, (1/n) Σ δ[2], (1/n) δ[1]xᵀ, (1/n) Σ δ[1]',
    (s0, s1, s2, n, seed) => {
      const net = mlp({
        inputs: s0,
        layers: [
          { units: s1, activation: 'tanh' },
          { units: s2, activation: 'sigmoid' },
        ],
        seed,
      });
      const X = Array.from({ length: n }, (_, j) =>
        Array.from({ length: s0 }, (_, i) => Math.cos(seed + 5 * j + i)),
      );
      const Y = Array.from({ length: n }, (_, j) => Array.from({ length: s2 }, (_, k) => (j + k) % 2));
      // J = (1/n) Σⱼ Σₖ L(aⱼₖ, yⱼₖ): the mean over all n·s2 elements, times s2
      binaryCrossEntropy(net.forward(tensor(X)), tensor(Y))
        .mul(s2)
        .backward();
      const [first, , second] = layers(net);
      const [W1, b1, W2, b2] = [
        rows(first.weight),
        Array.from(first.bias.data),
        rows(second.weight),
        Array.from(second.bias.data),
      ];
      const z1 = matmul(X, transpose(W1)).map((row) => row.map((v, k) => v + b1[k]!));
      const a1 = mapM(z1, Math.tanh);
      const a2 = matmul(a1, transpose(W2)).map((row) => row.map((v, k) => sig(v + b2[k]!)));
      const delta2 = mapM(a2, (a, j, k) => a - Y[j]![k]!); // sigmoid with the log-loss
      const delta1 = mapM(matmul(delta2, W2), (v, j, k) => v * (1 - a1[j]![k]! ** 2)); // tanh′ = 1 − tanh²
      const scale = (a: number[][]) => mapM(a, (v) => v / n);
      assertClose(second.weight.grad!, scale(matmul(transpose(delta2), a1)).flat(), {
        rtol: 1e-11,
        atol: 1e-14,
      });
      assertClose(
        second.bias.grad!,
        colSums(delta2).map((v) => v / n),
        { rtol: 1e-11, atol: 1e-14 },
      );
      assertClose(first.weight.grad!, scale(matmul(transpose(delta1), X)).flat(), {
        rtol: 1e-11,
        atol: 1e-14,
      });
      assertClose(
        first.bias.grad!,
        colSums(delta1).map((v) => v / n),
        { rtol: 1e-11, atol: 1e-14 },
      );
    },
  );
});

describe('note 003: matrix backpropagation through sigmoid layers', () => {
  it.prop([matrix(1, 3, -1, 1), matrix(1, 2, 0, 1), fc.integer()])(
    'last layer: ∂C/∂b = 2a⊙(1 − a)⊙(a − y), ∂C/∂W = ∂C/∂b·(a^{L−1})ᵀ, ∂C/∂a^{L−1} = Wᵀ∂C/∂b; and the same one layer down',
    (x, y, seed) => {
      const net = mlp({
        inputs: 3,
        layers: [
          { units: 4, activation: 'sigmoid' },
          { units: 2, activation: 'sigmoid' },
        ],
        seed,
      });
      const [hidden, act1, out, act2] = layers(net);
      const a1 = act1.forward(hidden.forward(tensor(x))).retainGrad();
      const aL = act2.forward(out.forward(a1));
      mse(aL, tensor(y), { reduction: 'sum' }).backward(); // C = Σ (a^L − y)² for one training example
      const a = rows(aL)[0]!;
      const prev = rows(a1)[0]!;
      const dbL = a.map((v, k) => 2 * v * (1 - v) * (v - y[0]![k]!));
      const W = rows(out.weight);
      const daPrev = prev.map((_, i) => dbL.reduce((s, d, k) => s + W[k]![i]! * d, 0));
      assertClose(out.bias.grad!, dbL, { rtol: 1e-12, atol: 1e-16 });
      assertClose(
        out.weight.grad!,
        dbL.flatMap((d) => prev.map((p) => d * p)),
        { rtol: 1e-12, atol: 1e-16 },
      );
      assertClose(a1.grad!, daPrev, { rtol: 1e-12, atol: 1e-16 });
      // next layer: ∂C/∂b^{L−1} = ∂C/∂a^{L−1} ⊙ a^{L−1}(1 − a^{L−1}), ∂C/∂W^{L−1} = ∂C/∂b^{L−1}·(a^{L−2})ᵀ
      const dbPrev = daPrev.map((d, i) => d * prev[i]! * (1 - prev[i]!));
      assertClose(hidden.bias.grad!, dbPrev, { rtol: 1e-12, atol: 1e-16 });
      assertClose(
        hidden.weight.grad!,
        dbPrev.flatMap((d) => x[0]!.map((v) => d * v)),
        { rtol: 1e-12, atol: 1e-16 },
      );
    },
  );

  it.prop([matrix(5, 2), matrix(5, 1, 0, 1), fc.integer()])(
    "Algorithm 1: accumulating each sample's gradient and averaging equals the gradient of the batch's mean loss",
    (X, Y, seed) => {
      const spec = {
        inputs: 2,
        layers: [
          { units: 3, activation: 'sigmoid' as const },
          { units: 1, activation: 'sigmoid' as const },
        ],
        seed,
      };
      const batched = mlp(spec);
      mse(batched.forward(tensor(X)), tensor(Y)).backward();
      // lines 5-10 of Algorithm 1, literally: per sample forward and backward, accumulating, then / B
      const perSample = scalarMlp(spec);
      for (const [i, x] of X.entries()) mse(perSample.forward(x), Y[i]!).backward();
      const averaged = perSample.parameters().map((p) => p.grad / X.length);
      const expected = batched.parameters().flatMap((p) => Array.from(p.grad!.data));
      // scalar order is per neuron w then b; Tensor order is weight [out, in] then bias: regroup
      const [W1, b1, W2, b2] = batched.parameters().map((p) => Array.from(p.grad!.data));
      const regrouped = [
        ...[0, 1, 2].flatMap((j) => [W1![2 * j]!, W1![2 * j + 1]!, b1![j]!]),
        ...W2!,
        ...b2!,
      ];
      expect(regrouped).toHaveLength(expected.length);
      assertClose(averaged, regrouped, { rtol: 1e-12, atol: 1e-16 });
    },
  );
});

describe('note 004 (UMONS): the 2-3-1 tanh/sigmoid network and its adjoints', () => {
  const spec = (seed: number) => ({
    inputs: 2,
    layers: [
      { units: 3, activation: 'tanh' as const },
      { units: 1, activation: 'linear' as const },
    ],
    seed,
  });

  it.prop([matrix(6, 2), fc.array(fc.constantFrom(0, 1), { minLength: 6, maxLength: 6 }), fc.integer()])(
    'vector form through mlp: z̄ = (o − y)/N, W̄ = z̄ᵀH, c̄ = z̄ᵀ1, H̄ = z̄W, Ḡ = H̄ ⊙ (1 − tanh²G), Ū = ḠᵀX, b̄ = Ḡᵀ1',
    (X, y, seed) => {
      const N = X.length;
      const [U, tanh, W] = layers(mlp(spec(seed)));
      const G = U.forward(tensor(X)).retainGrad();
      const H = tanh.forward(G).retainGrad();
      const z = W.forward(H).retainGrad();
      binaryCrossEntropyWithLogits(z, tensor(y.map((v) => [v]))).backward();
      const o = rows(z).map(([v]) => sig(v!));
      const zBar = o.map((oi, i) => [(oi - y[i]!) / N]);
      const h = rows(H);
      const hBar = matmul(zBar, rows(W.weight));
      const gBar = mapM(hBar, (v, i, j) => v * (1 - Math.tanh(rows(G)[i]![j]!) ** 2));
      const tight = { rtol: 1e-12, atol: 1e-15 };
      assertClose(z.grad!, zBar.flat(), tight);
      assertClose(W.weight.grad!, matmul(transpose(zBar), h).flat(), tight);
      assertClose(W.bias.grad!, colSums(zBar), tight);
      assertClose(H.grad!, hBar.flat(), tight);
      assertClose(G.grad!, gBar.flat(), tight);
      assertClose(U.weight.grad!, matmul(transpose(gBar), X).flat(), tight);
      assertClose(U.bias.grad!, colSums(gBar), tight);
    },
  );

  it.prop([matrix(4, 2), fc.array(fc.constantFrom(0, 1), { minLength: 4, maxLength: 4 }), fc.integer()])(
    'scalar form through scalarMlp: z̄ᵢ, w̄ⱼ = Σᵢ z̄ᵢhᵢⱼ, c̄ = Σᵢ z̄ᵢ, h̄ᵢⱼ = z̄ᵢwⱼ, ḡᵢⱼ = h̄ᵢⱼ(1 − tanh²gᵢⱼ), ūⱼₖ = Σᵢ ḡᵢⱼxᵢₖ, b̄ⱼ = Σᵢ ḡᵢⱼ',
    (X, y, seed) => {
      const N = X.length;
      const net = scalarMlp(spec(seed));
      const [hidden, output] = net.layers as [(typeof net.layers)[0], (typeof net.layers)[0]];
      const hs = X.map((x) => hidden.forward(x).map((h) => h.retainGrad()));
      const gs = hs.map((row) => row.map((h) => (h.parents[0] as Value).retainGrad())); // h = tanh(g)
      const zs = hs.map((row) => output.forward(row).map((z) => z.retainGrad()));
      binaryCrossEntropyWithLogits(
        zs,
        y.map((v) => [v]),
      ).backward();
      const w = output.neurons[0]!.w.map((v) => v.data);
      const zBar = zs.map(([z], i) => (sig(z!.data) - y[i]!) / N);
      const tight = { rtol: 1e-12, atol: 1e-15 };
      assertClose(
        zs.map(([z]) => z!.grad),
        zBar,
        tight,
      );
      assertClose(
        output.neurons[0]!.w.map((v) => v.grad),
        w.map((_, j) => zBar.reduce((s, zb, i) => s + zb * hs[i]![j]!.data, 0)),
        tight,
      );
      assertClose(
        output.neurons[0]!.b.grad,
        zBar.reduce((s, v) => s + v, 0),
        tight,
      );
      const hBar = zBar.map((zb) => w.map((wj) => zb * wj));
      assertClose(
        hs.flat().map((h) => h.grad),
        hBar.flat(),
        tight,
      );
      const gBar = hBar.map((row, i) => row.map((v, j) => v * (1 - Math.tanh(gs[i]![j]!.data) ** 2)));
      assertClose(
        gs.flat().map((g) => g.grad),
        gBar.flat(),
        tight,
      );
      hidden.neurons.forEach((n, j) => {
        assertClose(
          n.w.map((u) => u.grad),
          [0, 1].map((k) => gBar.reduce((s, row, i) => s + row[j]! * X[i]![k]!, 0)),
          tight,
        );
        assertClose(
          n.b.grad,
          gBar.reduce((s, row) => s + row[j]!, 0),
          tight,
        );
      });
    },
  );
});

describe('note 000: the two-layer network with the 1/(2m) cost', () => {
  const derivative = { sigmoid: (a: number) => a * (1 - a), relu: (a: number) => (a > 0 ? 1 : 0) };
  it.prop([
    fc.constantFrom('sigmoid' as const, 'relu' as const),
    fc.constantFrom('sigmoid' as const, 'relu' as const),
    matrix(5, 3),
    matrix(5, 1, 0, 1),
    fc.integer(),
  ])(
    'eq. 25-28: ∂w₁ = (1/m) Σ (a₂ − y) f′₂(z₂) w₂ f′₁(z₁) a₀, ∂w₂ = (1/m) Σ (a₂ − y) f′₂(z₂) a₁, and the biases',
    (f1, f2, X, Y, seed) => {
      const net = scalarMlp({
        inputs: 3,
        layers: [
          { units: 1, activation: f1 },
          { units: 1, activation: f2 },
        ],
        seed,
        init: 'uniform',
      });
      mse(
        X.map((x) => net.forward(x)),
        Y,
        { reduction: 'halfMean' },
      ).backward();
      const [n1, n2] = [net.layers[0]!.neurons[0]!, net.layers[1]!.neurons[0]!];
      const [w1, b1, w2, b2] = [n1.w.map((v) => v.data), n1.b.data, n2.w[0]!.data, n2.b.data];
      const m = X.length;
      const sums = { w1: [0, 0, 0], w2: 0, b1: 0, b2: 0 };
      X.forEach((x, i) => {
        const z1 = x.reduce((s, v, k) => s + w1[k]! * v, 0) + b1;
        const a1 = f1 === 'sigmoid' ? sig(z1) : Math.max(z1, 0);
        const a2 = f2 === 'sigmoid' ? sig(w2 * a1 + b2) : Math.max(w2 * a1 + b2, 0);
        // relu′ is written in terms of z: 1 for z ≥ 0 (eq. 11); a > 0 differs only at z = 0 exactly
        const d2 = (a2 - Y[i]![0]!) * (f2 === 'sigmoid' ? derivative.sigmoid(a2) : w2 * a1 + b2 >= 0 ? 1 : 0);
        const d1 = d2 * w2 * (f1 === 'sigmoid' ? derivative.sigmoid(a1) : z1 >= 0 ? 1 : 0);
        x.forEach((v, k) => {
          sums.w1[k]! += d1 * v;
        });
        sums.w2 += d2 * a1;
        sums.b1 += d1; // note 000's eq. 28 labels these δ_w by a typo; they are the biases' gradients
        sums.b2 += d2;
      });
      const tight = { rtol: 1e-12, atol: 1e-15 };
      assertClose(
        n1.w.map((v) => v.grad),
        sums.w1.map((s) => s / m),
        tight,
      );
      assertClose(n2.w[0]!.grad, sums.w2 / m, tight);
      assertClose(n1.b.grad, sums.b1 / m, tight);
      assertClose(n2.b.grad, sums.b2 / m, tight);
    },
  );
});
