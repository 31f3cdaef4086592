import { noGrad, tensor } from '@adjoint/autograd';
import {
  Adam,
  CosineAnnealingLR,
  earlyStopping,
  fit,
  mlp,
  predictedClasses,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { digits, scoreDigits } from './data/digits';
import type { ExampleOutput, RunOptions } from './example';
import { lossCurve } from './plot';

/** What mnistExample returns: test accuracy, training time, confusion matrix. */
export interface MnistResult extends ExampleOutput {
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly confusion: number[][];
  readonly loss: number[];
}

/**
 * Handwritten digits: a 784-128-10 MLP (ReLU, He initialization) trained with softmax cross-entropy
 * and Adam on 8,000 digits of the `mnist` package, tested on the other 2,000. The last 10% of the
 * training digits are held out for early stopping (the best epoch's weights are kept), and the rate
 * follows a cosine over the epochs; the test digits are only ever used to report.
 */
export function mnistExample(options: RunOptions = {}): MnistResult {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? (options.quick ? 2 : 8);
  const data = digits(seed, options.quick ? { train: 2000, test: 500 } : undefined);
  const net = mlp({
    inputs: 784,
    layers: [
      { units: 128, activation: 'relu' },
      { units: 10, activation: 'linear' },
    ],
    seed,
    init: 'he',
  });
  const batchSize = 64;
  const validationSplit = 0.1;
  const batches = Math.ceil((data.trainX.shape[0]! * (1 - validationSplit)) / batchSize) * epochs;
  const optimizer = new Adam(net.parameters(), { lr: 2e-3 });
  const stopping = earlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true });
  const started = performance.now();
  const history = fit(
    net,
    { x: data.trainX, y: tensor(data.trainLabels) },
    {
      loss: softmaxCrossEntropy,
      optimizer,
      epochs,
      batchSize,
      seed,
      compile: true, // the step as a compiled program: the same numbers, faster (README, section 7)
      validationSplit, // the last 10% of the training digits, for early stopping
      onBatch: (b) => options.onProgress?.(b + 1, batches),
      callbacks: [new CosineAnnealingLR(optimizer, { tMax: epochs }), stopping],
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const predicted = noGrad(() => predictedClasses(net.forward(data.testX)));
  const score = scoreDigits(predicted, data);
  const { testAccuracy, confusion } = score;
  return {
    model: net,
    testAccuracy,
    seconds,
    confusion,
    loss: history.loss,
    headline: `test accuracy ${(100 * testAccuracy).toFixed(1)}% (${predicted.length} digits), trained in ${seconds.toFixed(1)} s`,
    report: [
      `784-128-10 MLP, Adam (lr 2e-3, cosine over ${epochs} epochs), batch ${batchSize}, on ${data.trainX.shape[0]} digits (10% held out): ${seconds.toFixed(1)} s`,
      history.stopped === undefined
        ? `all ${epochs} epochs ran; the best validation loss was epoch ${stopping.bestEpoch + 1}'s, whose weights are kept`
        : `stopped early after epoch ${history.stopped.epoch + 1}: ${history.stopped.reason}; epoch ${stopping.bestEpoch + 1}'s weights kept`,
      ...score.lines,
    ],
    figures: async () => [
      {
        name: 'mnist-loss',
        svg: await lossCurve('MNIST: cross-entropy per epoch', {
          train: history.loss,
          validation: history.valLoss!,
        }),
      },
      {
        name: 'mnist-misclassified',
        svg: await score.misclassified('MNIST: misclassified test digits (true → predicted)'),
      },
    ],
  };
}
