import { createRequire } from 'node:module';
import { Tensor } from '@adjoint/autograd';
import { confusionMatrix } from '@adjoint/nn';
import { digitGrid } from '../plot';
import { split } from './synthetic';

/** MNIST digits as X [N, 784] in [0, 1] and class labels, split into train and test. */
export interface Digits {
  readonly trainX: Tensor;
  readonly trainLabels: number[];
  readonly testX: Tensor;
  readonly testLabels: number[];
}

interface MnistDigit {
  readonly length: number;
  get(index: number): number[];
}

/**
 * The 10,000 digits of the `mnist` package, split 8,000 / 2,000 by a seeded shuffle. Its own `set()`
 * shuffles with Math.random, so the samples are read one by one with `get(i)` instead.
 */
export function digits(seed: number, limit?: { readonly train: number; readonly test: number }): Digits {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const images: number[][] = [];
  const labels: number[] = [];
  mnist.forEach((digit, label) => {
    for (let i = 0; i < digit.length; i++) {
      images.push(digit.get(i));
      labels.push(label);
    }
  });
  const [train, test] = split(images.length, 0.8, seed);
  const take = (rows: number[], count = rows.length) => {
    const chosen = rows.slice(0, count);
    return [
      new Tensor(Float64Array.from(chosen.flatMap((i) => images[i]!)), [chosen.length, 784]),
      chosen.map((i) => labels[i]!),
    ] as const;
  };
  const [trainX, trainLabels] = take(train, limit?.train);
  const [testX, testLabels] = take(test, limit?.test);
  return { trainX, trainLabels, testX, testLabels };
}

/** How a classifier did on the test digits: accuracy, confusion matrix, its report lines and mistakes. */
export interface DigitScore {
  readonly testAccuracy: number;
  readonly confusion: number[][];
  /** The accuracy and the confusion matrix, as the examples print them. */
  readonly lines: string[];
  /** The first 24 misclassified test digits drawn with their true and predicted classes. */
  readonly misclassified: (title: string) => Promise<string>;
}

/** Scores the predicted classes of `data`'s test digits. */
export function scoreDigits(predicted: readonly number[], data: Digits): DigitScore {
  const right = predicted.filter((p, i) => p === data.testLabels[i]).length;
  const testAccuracy = right / predicted.length;
  const confusion = confusionMatrix([...predicted], data.testLabels, 10);
  const wrong = predicted
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p !== data.testLabels[i])
    .slice(0, 24);
  return {
    testAccuracy,
    confusion,
    lines: [
      `test accuracy ${(100 * testAccuracy).toFixed(2)}% on ${predicted.length} digits; confusion matrix (rows: true digit, columns: predicted):`,
      `      ${Array.from({ length: 10 }, (_, k) => String(k).padStart(4)).join('')}`,
      ...confusion.map((row, t) => `   ${t}  ${row.map((c) => String(c).padStart(4)).join('')}`),
    ],
    misclassified: (title) =>
      digitGrid(
        title,
        wrong.map(({ p, i }) => ({
          pixels: data.testX.data.subarray(i * 784, (i + 1) * 784),
          label: data.testLabels[i]!,
          predicted: p,
        })),
      ),
  };
}
