import { tensor } from '@adjoint/autograd';
import {
  Adam,
  CosineAnnealingLR,
  ExponentialLR,
  earlyStopping,
  fit,
  LinearLR,
  type LRScheduler,
  mlp,
  mse,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  SGD,
  StepLR,
} from '@adjoint/nn';
import { describe, expect, test } from 'vitest';
import schedulesJson from './goldens/schedules.json';

// PyTorch 1.13's lr_scheduler, 100 steps of each, written by goldens/schedules.py (run it with Debian's
// python3-torch to regenerate; the test never runs PyTorch). Each golden is the rate before the first
// step, then after each step, from an SGD at lr 0.1.
const goldens = schedulesJson as unknown as Record<string, number[]>;

const sgd = () => new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });

/** The rates a schedule gives over 100 steps, as the goldens record them. */
function rates(schedule: { readonly lr: number; step(metric?: number): void }, metrics?: number[]): number[] {
  const out = [schedule.lr];
  for (let i = 0; i < 100; i++) {
    schedule.step(metrics?.[i] as number);
    out.push(schedule.lr);
  }
  return out;
}

/** Equal to PyTorch's within a few ulps (the same operations in the same order, in float64). */
function expectRates(actual: number[], golden: number[]): void {
  expect(actual).toHaveLength(golden.length);
  actual.forEach((v, i) => {
    const scale = Math.max(Math.abs(golden[i]!), 1e-300);
    expect(Math.abs(v - golden[i]!) / scale, `step ${i}: ${v} vs PyTorch ${golden[i]}`).toBeLessThanOrEqual(
      1e-13,
    );
  });
}

describe("learning-rate schedules equal PyTorch's, step for step", () => {
  test.each([
    ['stepLR', () => new StepLR(sgd(), { stepSize: 7, gamma: 0.5 })],
    ['exponentialLR', () => new ExponentialLR(sgd(), { gamma: 0.97 })],
    ['cosineAnnealingLR', () => new CosineAnnealingLR(sgd(), { tMax: 30, etaMin: 0.001 })],
    ['linearLR', () => new LinearLR(sgd(), { startFactor: 0.25, endFactor: 1, totalIters: 12 })],
    [
      'warmupCosine',
      () => {
        const o = sgd();
        return new SequentialLR(
          o,
          [new LinearLR(o, { startFactor: 0.1, totalIters: 10 }), new CosineAnnealingLR(o, { tMax: 90 })],
          [10],
        );
      },
    ],
    ['oneCycleLR', () => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 101, cycleMomentum: false })],
    [
      'oneCycleLRLinear',
      () =>
        new OneCycleLR(sgd(), {
          maxLr: 0.5,
          totalSteps: 101,
          pctStart: 0.25,
          annealStrategy: 'linear',
          divFactor: 10,
          finalDivFactor: 100,
          threePhase: true,
          cycleMomentum: false,
        }),
    ],
  ] as const)('%s', (name, make) => {
    expectRates(rates(make() as LRScheduler), goldens[name]!);
  });

  test('ReduceLROnPlateau, in min/rel and max/abs modes, with cooldown and a floor', () => {
    expectRates(
      rates(
        new ReduceLROnPlateau(sgd(), { factor: 0.5, patience: 3, cooldown: 2, minLr: 0.002 }),
        goldens.plateauMetrics,
      ),
      goldens.reduceLROnPlateau!,
    );
    expectRates(
      rates(
        new ReduceLROnPlateau(sgd(), {
          mode: 'max',
          factor: 0.3,
          patience: 2,
          threshold: 0.01,
          thresholdMode: 'abs',
        }),
        goldens.accuracyMetrics,
      ),
      goldens.reduceLROnPlateauMaxAbs!,
    );
  });

  test.each([
    ['oneCycleSgd', 'SGD’s momentum'],
    ['oneCycleAdam', 'Adam’s β₁, three phases'],
  ] as const)('OneCycleLR cycles the momentum as PyTorch does: %s (%s)', (name, _what) => {
    const p = tensor([0], { requiresGrad: true });
    const optimizer =
      name === 'oneCycleSgd' ? new SGD([p], { lr: 0.1, momentum: 0.9 }) : new Adam([p], { lr: 0.1 });
    const schedule =
      name === 'oneCycleSgd'
        ? new OneCycleLR(optimizer, { maxLr: 1, totalSteps: 101 })
        : new OneCycleLR(optimizer, {
            maxLr: 0.3,
            totalSteps: 101,
            threePhase: true,
            baseMomentum: 0.8,
            maxMomentum: 0.9,
          });
    const momentum = () => (optimizer instanceof SGD ? optimizer.momentum : optimizer.betas[0]);
    const lrs = [schedule.lr];
    const momenta = [momentum()];
    for (let i = 0; i < 100; i++) {
      schedule.step();
      lrs.push(schedule.lr);
      momenta.push(momentum());
    }
    expectRates(lrs, goldens[name]!);
    expectRates(momenta, goldens[`${name}Momentum`]!);
    // a resumed schedule puts the momentum of its step back too
    const again = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
    const resumed = new OneCycleLR(again, { maxLr: 1, totalSteps: 101 });
    resumed.loadStateDict({ lastEpoch: 40 });
    if (name === 'oneCycleSgd') expect(again.momentum).toBe(goldens.oneCycleSgdMomentum![40]);
  });

  test('cycling the momentum of an optimizer that has none is an error naming the way out', () => {
    expect(() => new OneCycleLR({ lr: 0.1 }, { maxLr: 1, totalSteps: 10 })).toThrow(
      'OneCycleLR: cycleMomentum needs an optimizer with momentum (SGD) or betas (Adam); this one has neither: pass cycleMomentum: false',
    );
  });

  test('a OneCycleLR stepped past its totalSteps is an error, as in PyTorch', () => {
    const s = new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expect(() => s.step()).toThrow('OneCycleLR: step 4 is past totalSteps 3; make the cycle longer');
  });
});

describe('schedules in fit', () => {
  test('a schedule steps after every epoch (OneCycleLR after every batch), and the optimizer uses its rate', () => {
    const X = [
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    const Y = [[1], [1], [0], [0]];
    const spec = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid' as const }], seed: 1 };
    const seen: number[] = [];
    const net = mlp(spec);
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    const schedule = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
    fit(
      net,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer,
        epochs: 5,
        callbacks: [{ onEpochBegin: () => seen.push(optimizer.lr) }, schedule],
      },
    );
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    // the same run by hand: SGD steps at each epoch's rate
    const hand = mlp(spec);
    const handOptimizer = new SGD(hand.parameters(), { lr: 0.1 });
    for (const lr of seen) {
      handOptimizer.lr = lr;
      fit(hand, { x: X, y: Y }, { loss: mse, optimizer: handOptimizer, epochs: 1 });
    }
    expect(net.parameters().map((p) => Array.from(p.data as Float64Array))).toEqual(
      hand.parameters().map((p) => Array.from(p.data as Float64Array)),
    );
    const cycled = mlp(spec);
    const cycleOptimizer = new SGD(cycled.parameters(), { lr: 0.1 });
    const cycle = new OneCycleLR(cycleOptimizer, { maxLr: 1, totalSteps: 8 });
    const perBatch: number[] = [];
    fit(
      cycled,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer: cycleOptimizer,
        epochs: 4,
        batchSize: 2,
        callbacks: [{ onBatchBegin: () => perBatch.push(cycleOptimizer.lr) }, cycle],
      },
    );
    expect(cycle.lastEpoch).toBe(8);
    expect(new Set(perBatch).size).toBe(8);
  });

  test('ReduceLROnPlateau watches a log; a second schedule for one optimizer is refused before training', () => {
    const net = mlp({ inputs: 1, layers: [{ units: 1 }], seed: 0 });
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    const run = (callbacks: object[]) => () =>
      fit(net, { x: [[1]], y: [[2]] }, { loss: mse, optimizer, epochs: 2, callbacks: callbacks as never });
    const before = net.parameters().map((p) => Array.from(p.data as Float64Array));
    expect(run([new ReduceLROnPlateau(optimizer)])).toThrow(
      "ReduceLROnPlateau: monitor 'valLoss' is not among this run's logs (loss)",
    );
    const step = new StepLR(optimizer, { stepSize: 1 });
    expect(run([step, new ExponentialLR(optimizer, { gamma: 0.9 })])).toThrow(
      'ExponentialLR: this optimizer is already driven by a StepLR; give it one schedule (SequentialLR chains several)',
    );
    expect(net.parameters().map((p) => Array.from(p.data as Float64Array))).toEqual(before);
    expect(() => new StepLR(optimizer, { stepSize: 0 })).toThrow(
      'StepLR: expected stepSize to be a positive integer, got 0',
    );
    expect(() => new StepLR(optimizer, { stepsize: 2 } as never)).toThrow(
      "StepLR: unknown option 'stepsize'; did you mean 'stepSize'?",
    );
    expect(() => new ReduceLROnPlateau(optimizer, { factor: 1 })).toThrow(
      'ReduceLROnPlateau: expected factor to be in (0, 1), got 1',
    );
    void earlyStopping;
  });
});
