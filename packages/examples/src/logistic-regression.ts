import { noGrad } from '@adjoint/autograd';
import { accuracy, binaryCrossEntropy, fit, mlp, SGD } from '@adjoint/nn';
import { breastCancer } from './data/breast-cancer';
import type { ExampleOutput, RunOptions } from './example';
import { lossCurve } from './plot';

/** What logisticRegression returns: accuracies and the loss per epoch. */
export interface LogisticRegressionResult extends ExampleOutput {
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly loss: number[];
}

/**
 * Note 002 §1: logistic regression, a = σ(wᵀx + b) with the log-loss J, trained by full-batch gradient
 * descent on the Breast Cancer Wisconsin data (standardized, split 80/20 by the seed).
 */
export function logisticRegression(options: RunOptions = {}): LogisticRegressionResult {
  const epochs = options.epochs ?? (options.quick ? 150 : 400);
  const data = breastCancer(options.seed ?? 0);
  const model = mlp({
    inputs: data.features,
    layers: [{ units: 1, activation: 'sigmoid' }],
    seed: options.seed ?? 0,
  });
  const history = fit(
    model,
    { x: data.trainX, y: data.trainY },
    {
      loss: binaryCrossEntropy,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      epochs,
      shuffle: false,
      metrics: ['accuracy'],
      validation: { x: data.testX, y: data.testY },
      onEpoch: (e) => options.onProgress?.(e + 1, epochs),
    },
  );
  const testAccuracy = noGrad(() => accuracy(model.forward(data.testX), data.testY));
  const trainAccuracy = history.accuracy!.at(-1)!;
  const [n, m] = [data.trainX.shape[0]!, data.testX.shape[0]!];
  return {
    model,
    trainAccuracy,
    testAccuracy,
    loss: history.loss,
    headline: `held-out accuracy ${(100 * testAccuracy).toFixed(1)}% (${m} samples)`,
    report: [
      `Breast Cancer Wisconsin: ${n} training and ${m} held-out samples, ${data.features} standardized features`,
      `labels: 0 = ${data.labels[0]}, 1 = ${data.labels[1]}; ${epochs} epochs of gradient descent on the log-loss`,
      `final log-loss: train ${history.loss.at(-1)!.toFixed(4)}, held-out ${history.valLoss!.at(-1)!.toFixed(4)}`,
      `accuracy: train ${(100 * trainAccuracy).toFixed(1)}%, held-out ${(100 * testAccuracy).toFixed(1)}%`,
    ],
    figures: async () => [
      {
        name: 'logistic-regression-loss',
        svg: await lossCurve('Logistic regression: log-loss per epoch', {
          train: history.loss,
          'held out': history.valLoss!,
        }),
      },
    ],
  };
}
