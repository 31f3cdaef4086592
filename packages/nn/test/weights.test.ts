import { Rng, type Tensor, tensor, Value } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  Dataset,
  fit,
  mlp,
  mse,
  SGD,
  scalarMlp,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

// Class weights and sample weights (issue 31, item 3): Keras's sample_weight and class_weight. Each
// sample's terms times its weight, the mean still over all terms: weights of 1 are the plain loss.
const rng = new Rng(9);
const n = 6;
const probabilities = Array.from({ length: n }, () => [0.05 + 0.9 * rng.uniform()]);
const logits = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
const binary = Array.from({ length: n }, (_, i) => [i % 2]);
const classes = Array.from({ length: n }, (_, i) => i % 3);
const w = [0.5, 2, 1, 0, 3, 1.25];

/** Each loss's per-sample terms by hand, in float64, from the notes' formulas. */
const byHand = {
  mse: (p: number[][], y: number[][]) => p.map((r, i) => r.map((v, k) => (v - y[i]![k]!) ** 2)),
  bce: (p: number[][], y: number[][]) =>
    p.map((r, i) => r.map((v, k) => -(y[i]![k]! * Math.log(v) + (1 - y[i]![k]!) * Math.log(1 - v)))),
  bceLogits: (z: number[][], y: number[][]) =>
    z.map((r, i) =>
      r.map((v, k) => y[i]![k]! * Math.log1p(Math.exp(-v)) + (1 - y[i]![k]!) * Math.log1p(Math.exp(v))),
    ),
  softmax: (z: number[][], labels: number[]) =>
    z.map((r, i) => {
      const m = Math.max(...r);
      const logSum = Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
      return [logSum - r[labels[i]!]!];
    }),
};
/** Σᵢ wᵢ Σₖ termᵢₖ over the number of terms (mean) or not (sum). */
const weighted = (
  terms: number[][],
  reduction: 'mean' | 'sum',
  divideBy = terms.length * terms[0]!.length,
) => {
  const total = terms.reduce((s, r, i) => s + w[i]! * r.reduce((a, b) => a + b, 0), 0);
  return reduction === 'sum' ? total : total / divideBy;
};

describe('sample weights in every loss', () => {
  const cases = [
    [
      'mse',
      (o: object) => mse(tensor(probabilities), binary, o),
      byHand.mse(probabilities, binary),
      undefined,
    ],
    [
      'binaryCrossEntropy',
      (o: object) => binaryCrossEntropy(tensor(probabilities), binary, o),
      byHand.bce(probabilities, binary),
      undefined,
    ],
    [
      'binaryCrossEntropyWithLogits',
      (o: object) =>
        binaryCrossEntropyWithLogits(
          tensor(logits),
          logits.map((r) => r.map((v) => (v > 0 ? 1 : 0))),
          o,
        ),
      byHand.bceLogits(
        logits,
        logits.map((r) => r.map((v) => (v > 0 ? 1 : 0))),
      ),
      undefined,
    ],
    // softmax cross-entropy's mean is over the N samples
    [
      'softmaxCrossEntropy',
      (o: object) => softmaxCrossEntropy(tensor(logits), classes, o),
      byHand.softmax(logits, classes),
      n,
    ],
  ] as const;

  test.each(cases)(
    '%s equals the hand-weighted loss, mean and sum; weights of 1 are the plain loss, bit for bit',
    (_name, loss, terms, divideBy) => {
      for (const reduction of ['mean', 'sum'] as const) {
        expect(loss({ sampleWeight: w, reduction }).item()).toBeCloseTo(
          weighted(terms, reduction, divideBy),
          13,
        );
        expect(loss({ sampleWeight: tensor(w), reduction }).item()).toBe(
          loss({ sampleWeight: w, reduction }).item(),
        );
        expect(loss({ sampleWeight: Array(n).fill(1), reduction }).item()).toBe(loss({ reduction }).item());
      }
    },
  );

  test('on the scalar engine too, with the same numbers', () => {
    const p = probabilities.map((r) => r.map((v) => new Value(v)));
    const z = logits.map((r) => r.map((v) => new Value(v)));
    expect(mse(p, binary, { sampleWeight: w }).data).toBeCloseTo(
      weighted(byHand.mse(probabilities, binary), 'mean'),
      14,
    );
    expect(binaryCrossEntropy(p, binary, { sampleWeight: w, reduction: 'sum' }).data).toBeCloseTo(
      weighted(byHand.bce(probabilities, binary), 'sum'),
      13,
    );
    expect(softmaxCrossEntropy(z, classes, { sampleWeight: w }).data).toBeCloseTo(
      weighted(byHand.softmax(logits, classes), 'mean', n),
      14,
    );
  });

  test('gradients of a weighted loss agree with central finite differences (float64), over random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (rows, cols, seed) => {
          const r = new Rng(seed);
          const z = tensor(
            Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.normal())),
            { requiresGrad: true },
          );
          const t = Array.from({ length: rows }, () =>
            Array.from({ length: cols }, () => (r.uniform() < 0.5 ? 1 : 0)),
          );
          const sw = tensor(Array.from({ length: rows }, () => 3 * r.uniform()));
          return gradcheck((x: Tensor) => binaryCrossEntropyWithLogits(x, t, { sampleWeight: sw }), [z]).ok;
        },
      ),
      { numRuns: 25, seed: 31 },
    );
  });
});

describe('fit with classWeight and sampleWeight', () => {
  const x = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
  const y = x.map(([a, b]) => [a! * b! > 0.1 ? 1 : 0]);
  const spec = {
    inputs: 2,
    layers: [
      { units: 4, activation: 'tanh' as const },
      { units: 1, activation: 'sigmoid' as const },
    ],
    seed: 2,
  };
  const weights = (net: { parameters(): unknown[] }) =>
    net.parameters().map((p) => Array.from((p as Tensor).data));
  const run = (options: object, compile = false, net = mlp(spec)) => {
    const history = fit(
      net,
      { x, y },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 0.4 }),
        epochs: 3,
        batchSize: 5,
        seed: 1,
        compile,
        ...options,
      },
    );
    return { history, weights: weights(net) };
  };

  test.each([false, true])(
    'classWeight equals a hand-weighted loss, bit for bit (compile: %s)',
    (compile) => {
      const weightedByClass = run({ classWeight: { 0: 1, 1: 3 } }, compile);
      // by hand: class 1's terms times 3, class 0's times 1 (3 = 2y + 1 for 0/1 targets)
      const byHandLoss = (p: Tensor, t: Tensor) => p.sub(t).pow(2).mul(t.mul(2).add(1)).mean();
      const byHandRun = run({ loss: byHandLoss }, compile);
      expect(weightedByClass.history.loss).toEqual(byHandRun.history.loss);
      expect(weightedByClass.weights).toEqual(byHandRun.weights);
      expect(weightedByClass.weights).not.toEqual(run({}, compile).weights);
    },
  );

  test('sampleWeight equals the same weights as classWeight; with both, the product; weights of 1 change nothing', () => {
    const perSample = y.map(([label]) => (label === 1 ? 3 : 1));
    expect(run({ sampleWeight: perSample })).toEqual(run({ classWeight: [1, 3] }));
    expect(run({ sampleWeight: perSample.map((v) => v * 2), classWeight: [1, 1] })).toEqual(
      run({ sampleWeight: Array(12).fill(2), classWeight: [1, 3] }),
    );
    expect(run({ sampleWeight: Array(12).fill(1) })).toEqual(run({}));
  });

  test('with validationSplit, the training rows keep their own weights', () => {
    const perSample = Array.from({ length: 12 }, (_, i) => 1 + (i % 4));
    const split = run({ sampleWeight: perSample, validationSplit: 0.25 });
    const firstNine = mlp(spec);
    const by = fit(
      firstNine,
      { x: x.slice(0, 9), y: y.slice(0, 9) },
      {
        loss: mse,
        optimizer: new SGD(firstNine.parameters(), { lr: 0.4 }),
        epochs: 3,
        batchSize: 5,
        seed: 1,
        sampleWeight: perSample.slice(0, 9),
      },
    );
    expect(split.weights).toEqual(weights(firstNine));
    expect(split.history.loss).toEqual(by.loss);
  });

  test('a Dataset’s batches carry their sampleWeight, and classWeight applies to them too', () => {
    const perSample = y.map(([label]) => (label === 1 ? 3 : 1));
    const inMemory = run({ sampleWeight: perSample, shuffle: false });
    const net = mlp(spec);
    const batches = Dataset.from(() =>
      x.map((row, i) => ({ x: row, y: y[i]!, sampleWeight: perSample[i]! })),
    ).batch(5);
    fit(net, batches, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.4 }), epochs: 3 });
    expect(weights(net)).toEqual(inMemory.weights);
    const byClass = mlp(spec);
    const plain = Dataset.from(() => x.map((row, i) => ({ x: row, y: y[i]! }))).batch(5);
    fit(byClass, plain, {
      loss: mse,
      optimizer: new SGD(byClass.parameters(), { lr: 0.4 }),
      epochs: 3,
      classWeight: [1, 3],
    });
    expect(weights(byClass)).toEqual(inMemory.weights);
  });

  test('one-hot targets take the class of their 1; the scalar engine weighs the same way', () => {
    const oneHot = y.map(([label]) => (label === 1 ? [0, 1] : [1, 0]));
    const twoClass = {
      inputs: 2,
      layers: [{ units: 3, activation: 'tanh' as const }, { units: 2 }],
      seed: 5,
    };
    // the history's losses: the two engines order their parameters differently
    const train = (net: ReturnType<typeof mlp> | ReturnType<typeof scalarMlp>, options: object) =>
      fit(
        net as ReturnType<typeof mlp>,
        { x, y: oneHot },
        {
          loss: softmaxCrossEntropy,
          optimizer: new SGD(net.parameters(), { lr: 0.3 }),
          epochs: 2,
          batchSize: 4,
          ...options,
        },
      ).loss;
    const byClass = train(mlp(twoClass), { classWeight: [2, 0.5] });
    const bySample = train(mlp(twoClass), { sampleWeight: y.map(([l]) => (l === 1 ? 0.5 : 2)) });
    expect(byClass).toEqual(bySample);
    expect(byClass).not.toEqual(train(mlp(twoClass), {}));
    const scalar = train(scalarMlp(twoClass), { classWeight: [2, 0.5] });
    for (const [i, v] of scalar.entries()) expect(v).toBeCloseTo(byClass[i]!, 12);
  });

  test('a loss that does not read the weights is an Error, and the model is unchanged', () => {
    const net = mlp(spec);
    const before = weights(net);
    expect(() =>
      run(
        { loss: (p: Tensor, t: Tensor) => mse(p, t, { reduction: 'halfMean' }), classWeight: [1, 3] },
        false,
        net,
      ),
    ).toThrow(
      'fit: the samples are weighted (classWeight), but options.loss did not read the weights fit passed it',
    );
    expect(weights(net)).toEqual(before);
    // passing them on works
    const passed = run({
      loss: (p: Tensor, t: Tensor, o?: object) => mse(p, t, { ...o, reduction: 'halfMean' }),
      classWeight: [1, 3],
    });
    expect(passed.weights).not.toEqual(before);
  });
});
