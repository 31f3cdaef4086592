import { binaryCrossEntropy, fit, loadModel, predict, SGD } from '@adjoint/nn';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  DEFAULTS,
  FEATURE_NAMES,
  featurize,
  fromParams,
  HIDDEN_ACTIVATIONS,
  type TrainConfig,
  toParams,
} from '../src/config.js';
import { CLASSIFICATION, DATASETS, dataset, isRegression, REGRESSION, target } from '../src/datasets.js';
import { logTicks, tickLabels } from '../src/loss-axis.js';
import { MAP_CELLS, OUTPUT_CELLS, rSquared } from '../src/snapshot.js';
import { Trainer } from '../src/training.js';

const configArb: fc.Arbitrary<TrainConfig> = fc
  .record({
    data: fc.constantFrom(...DATASETS),
    noise: fc.constantFrom(0, 0.05, 0.1, 0.3),
    layers: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 6 }),
    activation: fc.constantFrom(...HIDDEN_ACTIVATIONS),
    loss: fc.constantFrom('bce' as const, 'mse' as const),
    optimizer: fc.constantFrom('adam' as const, 'sgd' as const),
    lr: fc.constantFrom(0.001, 0.03, 0.1, 1),
    batch: fc.integer({ min: 1, max: 200 }),
    seed: fc.integer({ min: -1000, max: 1000 }),
    features: fc.subarray(FEATURE_NAMES, { minLength: 1 }),
    device: fc.constantFrom('cpu' as const, 'webgpu' as const),
  })
  // regression data has one loss
  .map((c) => (isRegression(c.data) ? { ...c, loss: 'mse' as const } : c));

describe('the loss chart’s log axis', () => {
  it.prop([fc.array(fc.double({ min: 1e-6, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 })])(
    'every tick lies within the losses drawn, reads differently at two digits, and there are at most six',
    (losses) => {
      const ticks = logTicks(losses);
      const [low, high] = [Math.min(...losses), Math.max(...losses)];
      expect(ticks.length).toBeGreaterThanOrEqual(1);
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(low * (1 - 1e-9));
        expect(t).toBeLessThanOrEqual(high * (1 + 1e-9));
      }
      const labels = ticks.map(tickLabels(ticks));
      expect(new Set(labels).size).toBe(labels.length);
    },
  );

  test('a loss falling over decades gets 1, 2, 5 × 10ᵏ; one moving within 0.6–0.7 still gets labels', () => {
    expect(logTicks([0.9, 0.3, 0.05, 0.012])).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logTicks([0.69, 0.66, 0.62])).toEqual([0.62, 0.64, 0.66, 0.68]);
  });
});

describe('the training panel', () => {
  it.prop([configArb])('a configuration survives its URL', (config) => {
    expect(fromParams(new URLSearchParams(toParams(config).toString()))).toEqual(config);
  });

  test('the defaults make an empty URL, and a bad field falls back to its default alone', () => {
    expect(toParams(DEFAULTS).toString()).toBe('');
    const config = fromParams(new URLSearchParams('data=mnist&lr=-1&layers=4,x&batch=3&activation=softmax'));
    expect(config).toEqual({ ...DEFAULTS, batch: 3 });
    for (const bad of ['features=x1,x3', 'features=', 'features=x1,x1'])
      expect(fromParams(new URLSearchParams(bad)).features).toEqual(['x1', 'x2']);
  });

  test('each data set of classes: 200 points, both classes, the same points for the same seed', () => {
    for (const name of CLASSIFICATION) {
      const points = dataset(name, 200, 0.1, 3);
      expect(points.x).toHaveLength(200);
      expect(new Set(points.y)).toEqual(new Set([0, 1]));
      expect(dataset(name, 200, 0.1, 3)).toEqual(points);
      expect(dataset(name, 200, 0.1, 4)).not.toEqual(points);
    }
  });

  test('moons from seed 0 passes 95% accuracy within 2,000 steps of fitAsync, the same way every time', async () => {
    const run = async () => {
      const trainer = new Trainer(DEFAULTS);
      trainer.measure();
      await trainer.train({ batches: 2000, until: () => trainer.scores.at(-1)! >= 0.95 });
      return [trainer.steps, trainer.scores.at(-1), trainer.measuredAt.at(-1)];
    };
    const [steps, accuracy, measuredAt] = await run();
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(measuredAt).toBe(steps);
    expect(steps).toBeLessThan(2000);
    expect(await run()).toEqual([steps, accuracy, measuredAt]);
  });

  test('each neuron’s map is its activation evaluated on the grid; the last layer’s is the boundary', async () => {
    const trainer = new Trainer({ ...DEFAULTS, layers: [3, 2] });
    await trainer.train({ batches: 30 });
    const size = 7;
    const maps = trainer.neuronMaps(size);
    expect(maps.map((layer) => layer.length)).toEqual([3, 2, 1]);
    const weights = trainer.weights();
    expect(weights.map((w) => [w.length, w[0]!.length])).toEqual([
      [3, 2],
      [2, 3],
      [1, 2],
    ]);
    // by hand: the first hidden unit at one cell, tanh(w·x + b), from the model's own parameters
    const [w1, b1] = trainer.model.parameters().map((p) => Array.from(p.data));
    const cell = 3 * size + 5; // row 3, column 5
    const [x, y] = [-1.8 + (3.6 * 5.5) / size, 1.8 - (3.6 * 3.5) / size];
    for (let u = 0; u < 3; u++)
      expect(maps[0]![u]![cell]).toBeCloseTo(Math.tanh(w1![2 * u]! * x + w1![2 * u + 1]! * y + b1![u]!), 12);
    // the output layer's map is the boundary the panel draws
    expect(Array.from(maps[2]![0]!)).toEqual(Array.from(trainer.grid(size)));
  });

  test('features: circles from x₁² and x₂² alone, with no hidden layer, pass 95%; the maps show the features', async () => {
    const trainer = new Trainer({ ...DEFAULTS, data: 'circles', layers: [], features: ['x1sq', 'x2sq'] });
    expect(trainer.x.shape).toEqual([200, 2]);
    expect(trainer.x.data[0]).toBeCloseTo(trainer.points.x[0]![0]! ** 2, 12);
    trainer.measure();
    await trainer.train({ batches: 2000, until: () => trainer.scores.at(-1)! >= 0.95 });
    expect(trainer.scores.at(-1)).toBeGreaterThanOrEqual(0.95);
    // the same run from x₁ and x₂ cannot: a line does not separate circles
    const linear = new Trainer({ ...DEFAULTS, data: 'circles', layers: [] });
    await linear.train({ batches: trainer.steps });
    linear.measure();
    expect(linear.scores.at(-1)).toBeLessThan(0.8);
    expect(featurize([[2, 3]], FEATURE_NAMES)).toEqual([[2, 3, 4, 9, 6, Math.sin(2), Math.sin(3)]]);
  });

  test('runs stopped and started again, mid-epoch too, go on where they were: the same as one run', async () => {
    const whole = new Trainer(DEFAULTS);
    await whole.train({ batches: 25 });
    for (const cuts of [
      [10, 15],
      [5, 20],
      [3, 4, 1, 17],
    ]) {
      const pieces = new Trainer(DEFAULTS);
      for (const batches of cuts) await pieces.train({ batches });
      expect(pieces.steps).toBe(25);
      expect(pieces.epochs).toBe(2);
      expect(pieces.model.toJSON()).toEqual(whole.model.toJSON());
    }
    expect(whole.losses).toEqual(whole.measuredAt.map(() => expect.any(Number)));
  });

  test('whole epochs are fit’s own: the same shuffles, the same weights bit for bit', async () => {
    for (const batch of [20, 30]) {
      const config = { ...DEFAULTS, batch, optimizer: 'sgd' as const, lr: 0.1 };
      const trainer = new Trainer(config);
      const perEpoch = Math.ceil(200 / batch);
      await trainer.train({ batches: 3 * perEpoch });
      expect(trainer.epochs).toBe(3);
      const reference = new Trainer(config);
      fit(
        reference.model,
        { x: reference.x, y: reference.y },
        {
          loss: binaryCrossEntropy,
          optimizer: new SGD(reference.model.parameters(), { lr: 0.1 }),
          batchSize: batch,
          seed: config.seed + 1,
          epochs: 3,
        },
      );
      expect(trainer.model.toJSON()).toEqual(reference.model.toJSON());
    }
  });

  test('regression: plane and gaussians, 200 targets in [-1, 1] per seed; R² as defined; bce refused', async () => {
    for (const name of REGRESSION) {
      const points = dataset(name, 200, 0.1, 3);
      expect(points.y).toHaveLength(200);
      for (const v of points.y) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(new Set(points.y).size).toBeGreaterThan(100);
      expect(dataset(name, 200, 0.1, 3)).toEqual(points);
    }
    // without noise the targets are the functions themselves
    const plane = dataset('plane', 50, 0, 1);
    plane.x.forEach(([a, b], i) => {
      expect(plane.y[i]).toBe((a! + b!) / 3);
    });
    expect(target('gaussians', -0.9, 0.9)).toBe(1);
    expect(target('gaussians', 0, -0.9)).toBe(1);
    expect(target('gaussians', 0.9, -0.9)).toBe(-1);
    expect(rSquared([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(rSquared([2, 2, 2], [1, 2, 3])).toBe(0);
    expect(rSquared([0, 2, 4], [1, 2, 3])).toBeCloseTo(1 - 2 / 2, 15);
    expect(fromParams(new URLSearchParams('data=plane&loss=bce')).loss).toBe('mse');
    expect(() => new Trainer({ ...DEFAULTS, data: 'plane' })).toThrow(
      "loss 'bce' needs two classes; data 'plane' has a number at each point: use 'mse'",
    );
  });

  test('regression trains to within 0.1 of the best R² the noise allows, a linear output of both signs', async () => {
    for (const data of REGRESSION) {
      const trainer = new Trainer({ ...DEFAULTS, data, loss: 'mse' });
      // the best any model can do: the noiseless function itself, scored against the noisy targets
      const best = rSquared(
        trainer.points.x.map(([a, b]) => target(data, a!, b!)),
        trainer.points.y,
      );
      expect(best).toBeGreaterThan(0.9);
      trainer.measure();
      await trainer.train({ batches: 3000, until: () => trainer.scores.at(-1)! >= best - 0.1 });
      expect(trainer.scores.at(-1)).toBeGreaterThanOrEqual(best - 0.1);
      const grid = trainer.grid(9);
      expect(Math.min(...grid)).toBeLessThan(-0.2);
      expect(Math.max(...grid)).toBeGreaterThan(0.2);
      const p = predict(trainer.model, trainer.x).data;
      expect(trainer.scores.at(-1)).toBe(rSquared(p, trainer.points.y));
    }
  });

  test('a neuron’s bars on the last mini-batch: Σ z̄ is its bias’s gradient, Σ h̄ = Wᵀ Σ z̄ above it; nothing touched', async () => {
    const trainer = new Trainer({ ...DEFAULTS, layers: [5, 3] });
    expect(trainer.neuronBars()).toBeNull();
    await trainer.train({ batches: 13 });
    const before = trainer.model
      .parameters()
      .map((p) => [p.grad, p.grad === null ? null : Array.from(p.grad.data)]);
    const bars = trainer.neuronBars()!;
    expect(bars.samples).toBe(20);
    expect(bars.layers.map((l) => l.length)).toEqual([5, 3, 1]);
    expect(
      trainer.model.parameters().map((p) => [p.grad, p.grad === null ? null : Array.from(p.grad.data)]),
    ).toEqual(before);
    // the same batch through a copy of the model, backward as a step runs it: the biases' gradients
    const copy = loadModel(JSON.parse(JSON.stringify(trainer.model)));
    const batch = trainer.lastBatch!;
    binaryCrossEntropy(copy.forward(batch.x), batch.y).backward();
    const params = copy.parameters();
    bars.layers.forEach((layer, l) => {
      const bias = Array.from(params[2 * l + 1]!.grad!.data);
      layer.forEach((bar, u) => {
        expect(bar.z).toBeCloseTo(bias[u]!, 12);
      });
      // the layer above is linear in h: Σᵢ h̄ᵢ = Wᵀ Σᵢ z̄ᵢ, its weights W[unit][input]
      if (l + 1 < bars.layers.length) {
        const w = trainer.weights()[l + 1]!;
        layer.forEach((bar, u) => {
          const expected = bars.layers[l + 1]!.reduce((sum, above, j) => sum + w[j]![u]! * above.z, 0);
          expect(bar.h).toBeCloseTo(expected, 12);
        });
      }
    });
    // the output is a sigmoid under binary cross-entropy: z̄ = (p − y) / B for each sample
    const p = copy.forward(batch.x).data;
    const y = batch.y.data;
    const expected = Array.from(p).reduce((sum, pi, i) => sum + (pi - y[i]!) / 20, 0);
    expect(bars.layers[2]![0]!.z).toBeCloseTo(expected, 12);
  });

  test('a snapshot holds what the page draws, as the trainer computes it, and survives structured cloning', async () => {
    const trainer = new Trainer({ ...DEFAULTS, layers: [4] });
    await trainer.train({ batches: 12 });
    const snapshot = structuredClone(trainer.snapshot());
    expect(snapshot.steps).toBe(12);
    expect(snapshot.epochs).toBe(1);
    expect(snapshot.losses).toEqual(trainer.losses);
    expect(snapshot.measuredAt).toEqual([10]);
    expect(snapshot.grid).toEqual(trainer.grid(OUTPUT_CELLS));
    expect(snapshot.grid).toHaveLength(OUTPUT_CELLS ** 2);
    expect(snapshot.maps).toEqual(trainer.neuronMaps(MAP_CELLS));
    expect(snapshot.bars).toEqual(trainer.neuronBars());
    expect(snapshot.weights).toEqual(trainer.weights());
    const [, b1, , b2] = trainer.model.parameters().map((p) => Array.from(p.data));
    expect(snapshot.biases).toEqual([b1, b2]);
    expect(snapshot.points).toEqual(trainer.points);
  });

  test('an aborted run stops after the mini-batch in progress', async () => {
    const trainer = new Trainer(DEFAULTS);
    const stop = new AbortController();
    const done = trainer.train({ signal: stop.signal });
    // fitAsync made its checks before handing back the promise, then let the event loop in: the abort
    // lands when it next has the turn, and at most the batch in progress finishes
    const before = trainer.steps;
    stop.abort();
    await done;
    expect(trainer.steps - before).toBeGreaterThanOrEqual(0);
    expect(trainer.steps - before).toBeLessThanOrEqual(1);
    const after = trainer.steps;
    await new Promise((resume) => setTimeout(resume, 50));
    expect(trainer.steps).toBe(after);
  });
});
