import { type Tensor, tensor, Value } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  fit,
  type LossOf,
  mlp,
  mse,
  type Prediction,
  SGD,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, expectTypeOf, test } from 'vitest';

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const item = (x: { data: unknown }) => (typeof x.data === 'number' ? x.data : (x.data as Float64Array)[0]!);

describe('losses equal their formulas, on Tensors and on Values alike', () => {
  it.prop([fc.array(fc.tuple(real(-3, 3), real(-3, 3)), { minLength: 1, maxLength: 8 })])(
    'mse: mean, sum and halfMean (note 000 eq. 3), with ∂/∂p = 2(p − y)/n for the mean',
    (pairs) => {
      const n = pairs.length;
      const sq = pairs.reduce((s, [p, y]) => s + (p - y) ** 2, 0);
      for (const [reduction, expected] of [
        ['mean', sq / n],
        ['sum', sq],
        ['halfMean', sq / (2 * n)],
      ] as const) {
        const p = tensor(
          pairs.map(([v]) => v),
          { requiresGrad: true },
        );
        const values = pairs.map(([v]) => new Value(v));
        const loss = mse(p, tensor(pairs.map(([, y]) => y)), { reduction });
        const scalarLoss = mse(
          values,
          pairs.map(([, y]) => y),
          { reduction },
        );
        assertClose(item(loss), expected, { rtol: 1e-12, atol: 1e-15 });
        assertClose(item(scalarLoss), expected, { rtol: 1e-12, atol: 1e-15 });
      }
      const p = tensor(
        pairs.map(([v]) => v),
        { requiresGrad: true },
      );
      mse(p, tensor(pairs.map(([, y]) => y))).backward();
      assertClose(
        p.grad!,
        pairs.map(([v, y]) => (2 * (v - y)) / n),
        { rtol: 1e-12, atol: 1e-15 },
      );
    },
  );

  it.prop([fc.array(fc.tuple(real(0.01, 0.99), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 8 })])(
    "binaryCrossEntropy is note 002's log-loss, and its gradient is (p − y) / (p(1 − p)) / n",
    (pairs) => {
      const n = pairs.length;
      const expected = -pairs.reduce((s, [p, y]) => s + y * Math.log(p) + (1 - y) * Math.log(1 - p), 0) / n;
      const p = tensor(
        pairs.map(([v]) => v),
        { requiresGrad: true },
      );
      const loss = binaryCrossEntropy(p, tensor(pairs.map(([, y]) => y)));
      assertClose(item(loss), expected, { rtol: 1e-12 });
      assertClose(
        item(
          binaryCrossEntropy(
            pairs.map(([v]) => new Value(v)),
            pairs.map(([, y]) => y),
          ),
        ),
        expected,
        { rtol: 1e-12 },
      );
      loss.backward();
      assertClose(
        p.grad!,
        pairs.map(([v, y]) => (v - y) / (v * (1 - v)) / n),
        { rtol: 1e-10 },
      );
    },
  );

  it.prop([fc.array(fc.tuple(real(-20, 20), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 8 })])(
    "binaryCrossEntropyWithLogits is note 004's softplus form, and ∂/∂z = (σ(z) − y)/N",
    (pairs) => {
      const n = pairs.length;
      const expected =
        pairs.reduce((s, [z, y]) => s + y * Math.log1p(Math.exp(-z)) + (1 - y) * Math.log1p(Math.exp(z)), 0) /
        n;
      const z = tensor(
        pairs.map(([v]) => v),
        { requiresGrad: true },
      );
      const loss = binaryCrossEntropyWithLogits(z, tensor(pairs.map(([, y]) => y)));
      assertClose(item(loss), expected, { rtol: 1e-12 });
      loss.backward();
      // σ(z) − y, written without cancellation: for y = 1 it is −σ(−z) (σ(z) − 1 loses bits near z = 10)
      assertClose(
        z.grad!,
        pairs.map(([v, y]) => (y === 1 ? -sig(-v) : sig(v)) / n),
        { rtol: 1e-12, atol: 1e-17 },
      );
    },
  );

  it.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.integer()])(
    'softmaxCrossEntropy with class indices or one-hot rows is −mean log softmax at the label; ∂/∂logits = (softmax − onehot)/N',
    (n, c, seed) => {
      const logits = Array.from({ length: n }, (_, i) =>
        Array.from({ length: c }, (_, k) => Math.sin(seed + i * c + k) * 3),
      );
      const labels = logits.map((_, i) => Math.abs(seed + i) % c);
      const oneHot = labels.map((l) => Array.from({ length: c }, (_, k) => (k === l ? 1 : 0)));
      const softmax = logits.map((row) => {
        const e = row.map((v) => Math.exp(v));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      });
      const expected = -labels.reduce((s, l, i) => s + Math.log(softmax[i]![l]!), 0) / n;
      for (const target of [labels, Int32Array.from(labels), tensor(labels), tensor(oneHot)]) {
        const x = tensor(logits, { requiresGrad: true });
        const loss = softmaxCrossEntropy(x, target);
        assertClose(item(loss), expected, { rtol: 1e-12, atol: 1e-15 });
        loss.backward();
        assertClose(
          x.grad!,
          softmax.flatMap((row, i) => row.map((p, k) => (p - oneHot[i]![k]!) / n)),
          { rtol: 1e-10, atol: 1e-15 },
        );
      }
      const rows = logits.map((row) => row.map((v) => new Value(v)));
      assertClose(item(softmaxCrossEntropy(rows, labels)), expected, { rtol: 1e-12, atol: 1e-15 });
      assertClose(item(softmaxCrossEntropy(rows, oneHot)), expected, { rtol: 1e-12, atol: 1e-15 });
    },
  );
});

describe('stability and bad input', () => {
  test('binaryCrossEntropy stays finite at p = 0 and 1, with finite gradients', () => {
    const p = tensor([0, 1, 0, 1], { requiresGrad: true });
    const loss = binaryCrossEntropy(p, tensor([0, 1, 1, 0]));
    expect(item(loss)).toBe(50); // two exact terms of 0 and two clamped at -log ε = 100, over 4
    loss.backward();
    expect(Array.from(p.grad!.data).every(Number.isFinite)).toBe(true);
  });

  test('binaryCrossEntropyWithLogits is exact and finite at logits of ±800', () => {
    const z = tensor([800, -800, 800, -800], { requiresGrad: true });
    const loss = binaryCrossEntropyWithLogits(z, tensor([1, 0, 0, 1]));
    expect(item(loss)).toBe(400);
    loss.backward();
    expect(Array.from(z.grad!.data)).toEqual([0, 0, 0.25, -0.25]);
  });

  test('softmaxCrossEntropy is finite at logits of ±1e4', () => {
    const loss = softmaxCrossEntropy(tensor([[1e4, -1e4, 0]]), [1]);
    expect(item(loss)).toBe(2e4);
  });

  test('a prediction and a target of different shapes are rejected, naming both', () => {
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow(
      'mse: prediction shape [2, 1] and target shape [2] differ',
    );
    expect(() => mse([new Value(1)], [1, 2])).toThrow(
      'mse: prediction shape [1] and target shape [2] differ',
    );
    expect(() => binaryCrossEntropy(tensor([0.5]), tensor([[1]]))).toThrow(
      'binaryCrossEntropy: prediction shape [1] and target shape [1, 1] differ',
    );
    expect(() => mse(tensor([1]), tensor([1]), { reduction: 'max' as never })).toThrow(
      "mse: expected reduction 'mean', 'sum' or 'halfMean', got the string \"max\"",
    );
    expect(() => softmaxCrossEntropy(tensor([[1, 2]]), [2])).toThrow(
      'softmaxCrossEntropy: label 2 of sample 0 is not a class index in [0, 2)',
    );
    expect(() => softmaxCrossEntropy(tensor([[1, 2]]), [0, 1])).toThrow(
      'softmaxCrossEntropy: 1 samples of logits but 2 labels',
    );
    expect(() => softmaxCrossEntropy(tensor([1, 2]), [0])).toThrow(
      'softmaxCrossEntropy: expected logits [N, C], got shape [2]',
    );
    expect(() => mse('x' as never, [1])).toThrow(
      'mse: expected the prediction as a Tensor or an array of Values',
    );
  });
});

describe('a loss has the type of its engine', () => {
  test('a Tensor prediction gives a Tensor, Values give a Value, and fit takes either loss as it is', () => {
    const t = tensor([[0.2, 0.8]]);
    const v = [[new Value(0.2), new Value(0.8)]];
    // tsc checks these (the test files are type-checked), and the values below check the same at run time
    expectTypeOf(mse(t, [[0, 1]])).toEqualTypeOf<Tensor>();
    expectTypeOf(mse(v, [[0, 1]])).toEqualTypeOf<Value>();
    expectTypeOf(binaryCrossEntropy(t, [[0, 1]])).toEqualTypeOf<Tensor>();
    expectTypeOf(binaryCrossEntropyWithLogits(v, [[0, 1]])).toEqualTypeOf<Value>();
    expectTypeOf(softmaxCrossEntropy(t, [1])).toEqualTypeOf<Tensor>();
    expectTypeOf(softmaxCrossEntropy(v, [1])).toEqualTypeOf<Value>();
    expectTypeOf<LossOf<Prediction>>().toEqualTypeOf<Tensor | Value>();
    expect(softmaxCrossEntropy(t, [1])).toBeInstanceOf(Object.getPrototypeOf(t).constructor);
    expect(softmaxCrossEntropy(v, [1])).toBeInstanceOf(Value);
    const net = mlp({ inputs: 2, layers: [{ units: 2, activation: 'linear' }], seed: 0 });
    const history = fit(
      net,
      { x: t, y: tensor([[0, 1]]) },
      {
        epochs: 1,
        batchSize: 1,
        loss: softmaxCrossEntropy,
        optimizer: new SGD(net.parameters(), { lr: 0.1 }),
      },
    );
    expect(history.loss).toHaveLength(1);
  });
});

// issue 30: binaryCrossEntropy(p, t, { reduction: 'sum' }) returned the mean, the option unread
describe('the log-losses take a reduction', () => {
  const p = [0.9, 0.2, 0.6];
  const y = [1, 0, 1];
  const terms = p.map((pi, i) => -(y[i]! * Math.log(pi) + (1 - y[i]!) * Math.log(1 - pi)));
  const logit = (q: number) => Math.log(q / (1 - q));

  test("'sum' sums the terms and 'mean' (the default) averages them, on both engines", () => {
    const sum = terms.reduce((s, t) => s + t, 0);
    assertClose(binaryCrossEntropy(tensor(p), y, { reduction: 'sum' }).item(), sum, { rtol: 1e-14 });
    assertClose(binaryCrossEntropy(tensor(p), y).item(), sum / 3, { rtol: 1e-14 });
    assertClose(
      binaryCrossEntropy(
        p.map((v) => new Value(v)),
        y,
        { reduction: 'sum' },
      ).data,
      sum,
      { rtol: 1e-14 },
    );
    assertClose(binaryCrossEntropyWithLogits(tensor(p.map(logit)), y, { reduction: 'sum' }).item(), sum, {
      rtol: 1e-12,
    });
  });

  test('a misspelt key or an unknown reduction is named, never ignored', () => {
    expect(() => binaryCrossEntropy(tensor(p), y, { reduce: 'sum' } as never)).toThrow(
      "binaryCrossEntropy: unknown option 'reduce'; did you mean 'reduction'?",
    );
    expect(() => binaryCrossEntropyWithLogits(tensor(p), y, { reduction: 'halfMean' as never })).toThrow(
      "binaryCrossEntropyWithLogits: expected reduction 'mean' or 'sum', got the string \"halfMean\"",
    );
  });
});
