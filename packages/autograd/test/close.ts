import { assertClose } from '@adjoint/autograd/testing';

/** Shorthand for the tests: |actual - expected| ≤ atol + rtol·|expected|. */
export function expectClose(actual: number, expected: number, rtol = 1e-12, atol = 0): void {
  assertClose(actual, expected, { rtol, atol });
}
