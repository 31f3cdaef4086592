import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { DATASETS, dataset } from '../src/datasets.js';
import {
  DEFAULTS,
  fromParams,
  HIDDEN_ACTIVATIONS,
  type TrainConfig,
  Trainer,
  toParams,
} from '../src/training.js';

const configArb: fc.Arbitrary<TrainConfig> = fc.record({
  data: fc.constantFrom(...DATASETS),
  noise: fc.constantFrom(0, 0.05, 0.1, 0.3),
  layers: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 6 }),
  activation: fc.constantFrom(...HIDDEN_ACTIVATIONS),
  loss: fc.constantFrom('bce' as const, 'mse' as const),
  optimizer: fc.constantFrom('adam' as const, 'sgd' as const),
  lr: fc.constantFrom(0.001, 0.03, 0.1, 1),
  batch: fc.integer({ min: 1, max: 200 }),
  seed: fc.integer({ min: -1000, max: 1000 }),
});

describe('the training panel', () => {
  it.prop([configArb])('a configuration survives its URL', (config) => {
    expect(fromParams(new URLSearchParams(toParams(config).toString()))).toEqual(config);
  });

  test('the defaults make an empty URL, and a bad field falls back to its default alone', () => {
    expect(toParams(DEFAULTS).toString()).toBe('');
    const config = fromParams(new URLSearchParams('data=mnist&lr=-1&layers=4,x&batch=3&activation=softmax'));
    expect(config).toEqual({ ...DEFAULTS, batch: 3 });
  });

  test('each data set: 200 points, both classes, the same points for the same seed', () => {
    for (const name of DATASETS) {
      const points = dataset(name, 200, 0.1, 3);
      expect(points.x).toHaveLength(200);
      expect(new Set(points.y)).toEqual(new Set([0, 1]));
      expect(dataset(name, 200, 0.1, 3)).toEqual(points);
      expect(dataset(name, 200, 0.1, 4)).not.toEqual(points);
    }
  });

  test('moons from seed 0 passes 95% accuracy within 2,000 steps, the same way every time', () => {
    const run = () => {
      const trainer = new Trainer(DEFAULTS);
      for (let s = 0; s < 2000 && (trainer.measure().accuracy < 0.95 || s === 0); s++) trainer.step();
      return [trainer.steps, trainer.accuracies.at(-1)];
    };
    const [steps, accuracy] = run();
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(run()).toEqual([steps, accuracy]);
  });
});
