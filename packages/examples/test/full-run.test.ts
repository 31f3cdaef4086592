import { mnistCnnExample, runProgress } from '@adjoint/examples';
import { expect, test } from 'vitest';

// The examples' full recipes that take minutes. They run after the rest of the suite, in a vitest
// project of their own (`full runs`): beside the browser tests the same run took twice as long.

test('mnist-cnn (the full run: 8,000 digits, 7 epochs) reaches 98% test accuracy', () => {
  const bar = runProgress('mnist-cnn (full run)'); // a line every 10 s: the run is never silent for minutes
  const result = mnistCnnExample({ onProgress: (done, total) => bar.update(done, total) });
  bar.stop();
  expect(result.testAccuracy).toBeGreaterThanOrEqual(0.98);
  expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2000);
}, 1_200_000);
