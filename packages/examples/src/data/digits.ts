import { createRequire } from 'node:module';
import { Tensor } from '@adjoint/autograd';
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
