import { expect } from 'vitest';

/** Asserts |actual - expected| ≤ atol + rtol·|expected|, printing both numbers on failure. */
export function expectClose(actual: number, expected: number, rtol = 1e-12, atol = 0): void {
  const allowed = atol + rtol * Math.abs(expected);
  if (!(Math.abs(actual - expected) <= allowed)) {
    expect.fail(
      `expected ${actual} to be within ${allowed} of ${expected} (difference ${actual - expected})`,
    );
  }
}
