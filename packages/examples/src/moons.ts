import { type Tensor, tensor, Value } from '@adjoint/autograd';
import { type MlpSpec, mlp, predict, type ScalarMLP, type Sequential, SGD, scalarMlp } from '@adjoint/nn';
import { moons } from './data/synthetic';
import type { ExampleOutput, RunOptions } from './example';
import { decisionBoundary, lossCurve } from './plot';

/** One engine's training run: accuracy, seconds and the loss per step. */
export interface EngineRun {
  readonly engine: 'scalar' | 'tensor';
  readonly accuracy: number;
  readonly seconds: number;
  readonly loss: number[];
}

/** What moonsExample returns: a run per engine. */
export interface MoonsResult extends ExampleOutput {
  readonly runs: readonly EngineRun[];
}

const ALPHA = 1e-4;

/**
 * micrograd's demo: a 2-16-16-1 ReLU network on two interleaving half circles, trained with its recipe
 * (max-margin loss mean(relu(1 − y·score)) + 1e-4·Σp², full batch, learning rate 1 − 0.9·k/steps), once
 * with the scalar engine and once with the Tensor engine from the same spec.
 */
export function moonsExample(options: RunOptions = {}): MoonsResult {
  const seed = options.seed ?? 0;
  const steps = options.epochs ?? (options.quick ? 12 : 100);
  const data = moons(100, 0.1, seed);
  const signs = data.y.map((v) => 2 * v - 1); // micrograd's labels: -1 and 1
  const [X, negSigns] = [tensor(data.x), tensor(signs.map((s) => [-s]))];
  const spec = moonsSpec(seed);
  const engines = options.engine === undefined ? (['scalar', 'tensor'] as const) : [options.engine];
  const models: (ScalarMLP | Sequential)[] = [];
  const runs = engines.map((engine, e): EngineRun => {
    const model = engine === 'scalar' ? scalarMlp(spec) : mlp(spec);
    models.push(model);
    const optimizer = new SGD(model.parameters(), { lr: 1 });
    const loss: number[] = [];
    const started = performance.now();
    for (let k = 0; k < steps; k++) {
      const total =
        model.engine === 'scalar' ? marginLoss(model, data.x, signs) : marginLossTensor(model, X, negSigns);
      optimizer.zeroGrad();
      total.backward();
      optimizer.lr = 1 - (0.9 * k) / steps;
      optimizer.step();
      loss.push(total instanceof Value ? total.data : total.item());
      options.onProgress?.(e * steps + k + 1, engines.length * steps);
    }
    const seconds = (performance.now() - started) / 1000;
    const scores = Array.from(predict(model, data.x).data);
    const right = scores.filter((s, i) => s > 0 === signs[i]! > 0).length;
    return { engine, accuracy: right / scores.length, seconds, loss };
  });
  const last = models.at(-1)!;
  return {
    runs,
    headline: runs
      .map((r) => `${r.engine} ${(100 * r.accuracy).toFixed(0)}% in ${r.seconds.toFixed(2)} s`)
      .join(', '),
    report: [
      `2-16-16-1 ReLU network, ${data.x.length} points, ${steps} full-batch steps (micrograd's recipe)`,
      ...runs.map(
        (r) =>
          `${r.engine.padEnd(6)} engine: accuracy ${(100 * r.accuracy).toFixed(1)}%, final loss ${r.loss.at(-1)!.toFixed(4)}, ${r.seconds.toFixed(2)} s`,
      ),
    ],
    figures: async () => [
      {
        name: 'moons-loss',
        svg: await lossCurve(
          'Moons: loss per step on each engine',
          Object.fromEntries(runs.map((r) => [r.engine, r.loss])),
          { x: 'step' },
        ),
      },
      {
        name: 'moons-boundary',
        svg: await decisionBoundary("Moons: the 2-16-16-1 network's decision regions", data, (grid) =>
          Array.from(predict(last, grid).data).map((s) => 1 / (1 + Math.exp(-s))),
        ),
      },
    ],
  };
}

/** micrograd's demo network: 2-16-16-1, ReLU hidden layers, a linear score, uniform(-1, 1) weights. */
export function moonsSpec(seed: number): MlpSpec {
  return {
    inputs: 2,
    layers: [
      { units: 16, activation: 'relu' },
      { units: 16, activation: 'relu' },
      { units: 1, activation: 'linear' },
    ],
    seed,
    init: 'uniform',
  };
}

/** micrograd's max-margin loss on the scalar engine: mean(relu(1 − y·score)) + 1e-4·Σp², labels y = ±1. */
export function marginLoss(model: ScalarMLP, x: readonly number[][], signs: readonly number[]): Value {
  const margins = x.map((p, i) => model.forward(p)[0]!.mul(-signs[i]!).add(1).relu());
  const reg = Value.sum(model.parameters().map((p) => p.mul(p))).mul(ALPHA);
  return Value.sum(margins).div(x.length).add(reg);
}

/** The same loss on the Tensor engine, for X [N, 2] and the negated labels as [N, 1]. */
export function marginLossTensor(model: Sequential, x: Tensor, negSigns: Tensor): Tensor {
  const margins = model.forward(x).mul(negSigns).add(1).relu().mean();
  const reg = model
    .parameters()
    .map((p) => p.mul(p).sum())
    .reduce((a, b) => a.add(b))
    .mul(ALPHA);
  return margins.add(reg);
}
