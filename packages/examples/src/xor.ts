import { tensor } from '@adjoint/autograd';
import { accuracy, fit, mlp, mse, predict, SGD, scalarMlp } from '@adjoint/nn';
import type { ExampleOutput, RunOptions } from './example';
import { decisionBoundary, lossCurve } from './plot';

const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const Y = [0, 1, 1, 0];

/** What xor returns: accuracy, outputs and the loss per epoch. */
export interface XorResult extends ExampleOutput {
  readonly accuracy: number;
  readonly outputs: number[];
  readonly loss: number[];
}

/**
 * Note 003: a 2-2-1 network of sigmoids learns XOR with the squared-error cost and full-batch gradient
 * descent (Algorithm 1 with one batch). On either engine; the spec and seed fix the starting weights.
 */
export function xor(options: RunOptions = {}): XorResult {
  const epochs = options.epochs ?? 2000;
  const spec = {
    inputs: 2,
    layers: [
      { units: 2, activation: 'sigmoid' as const },
      { units: 1, activation: 'sigmoid' as const },
    ],
    seed: options.seed ?? 0,
    init: 'uniform' as const,
  };
  const scalar = options.engine === 'scalar';
  const model = scalar ? scalarMlp(spec) : mlp(spec);
  const history = fit(
    model,
    { x: X, y: scalar ? Y : Y.map((v) => [v]) },
    {
      loss: mse,
      optimizer: new SGD(model.parameters(), { lr: 2 }),
      epochs,
      onEpoch: (e) => options.onProgress?.(e + 1, epochs),
    },
  );
  const outputsAt = (points: number[][]): number[] => Array.from(predict(model, points).data);
  const outputs = outputsAt(X);
  const acc = accuracy(tensor(outputs), Y);
  return {
    ...(model.engine === 'tensor' ? { model } : {}),
    accuracy: acc,
    outputs,
    loss: history.loss,
    headline: `accuracy ${(100 * acc).toFixed(0)}% after ${epochs} epochs (${scalar ? 'scalar' : 'tensor'} engine)`,
    report: [
      `i₁ i₂ | XOR | network (${scalar ? 'scalar' : 'tensor'} engine, ${epochs} epochs)`,
      ...X.map(([a, b], i) => ` ${a}  ${b} |  ${Y[i]}  | ${outputs[i]!.toFixed(4)}`),
      `final loss ${history.loss.at(-1)!.toExponential(3)}`,
    ],
    figures: async () => [
      { name: 'xor-loss', svg: await lossCurve('XOR: squared error per epoch', { loss: history.loss }) },
      {
        name: 'xor-boundary',
        svg: await decisionBoundary("XOR: the 2-2-1 network's decision regions", { x: X, y: Y }, outputsAt),
      },
    ],
  };
}
