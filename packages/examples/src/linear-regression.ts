import { Rng, Value } from '@adjoint/autograd';
import { type ExampleOutput, fmt, type RunOptions } from './example';
import { lossCurve } from './plot';

/** One gradient-descent step of both runs: each one's w and the derivative it used. */
export interface LinearRegressionStep {
  readonly finiteDifference: { readonly w: number; readonly derivative: number };
  readonly autodiff: { readonly w: number; readonly derivative: number };
}

/** What linearRegression returns: both runs, step by step. */
export interface LinearRegressionResult extends ExampleOutput {
  readonly trueW: number;
  readonly steps: readonly LinearRegressionStep[];
  readonly losses: { readonly finiteDifference: number[]; readonly autodiff: number[] };
}

// note 001 §1.2: the data of y = 2x, and C(w) = (1/n) Σ (xᵢw − yᵢ)² (eq. 3)
const DATA = [0, 1, 2, 3, 4].map((x) => [x, 2 * x] as const);
const EPSILON = 1e-4;
const RATE = 0.05;

function cost(w: number): number {
  return DATA.reduce((s, [x, y]) => s + (x * w - y) ** 2, 0) / DATA.length;
}

/**
 * Note 001 §1.1–1.2: fits y = w·x by gradient descent twice from the same start, once with the
 * finite-difference derivative of eq. 1, (C(w + ε) − C(w)) / ε, and once with reverse-mode autodiff.
 * Forward differences carry a bias of about ε·C″/2, so that run settles a hair short of w = 2.
 */
export function linearRegression(options: RunOptions = {}): LinearRegressionResult {
  const stepsWanted = options.epochs ?? (options.quick ? 30 : 60);
  const start = 10 * new Rng(options.seed ?? 0).uniform();
  let fdW = start;
  let adW = start;
  const steps: LinearRegressionStep[] = [];
  const losses = { finiteDifference: [] as number[], autodiff: [] as number[] };
  for (let k = 0; k < stepsWanted; k++) {
    const fdDerivative = (cost(fdW + EPSILON) - cost(fdW)) / EPSILON;
    const w = new Value(adW, 'w');
    const c = Value.sum(DATA.map(([x, y]) => w.mul(x).sub(y).pow(2))).div(DATA.length);
    c.backward();
    losses.finiteDifference.push(cost(fdW));
    losses.autodiff.push(c.data);
    fdW -= RATE * fdDerivative;
    adW -= RATE * w.grad;
    steps.push({
      finiteDifference: { w: fdW, derivative: fdDerivative },
      autodiff: { w: adW, derivative: w.grad },
    });
    options.onProgress?.(k + 1, stepsWanted);
  }
  const report = [
    `y = w·x on ${DATA.length} points with true w = 2; both runs start at w = ${start.toFixed(4)}, rate ${RATE}`,
    `${'step'.padStart(5)} ${'w (finite diff)'.padStart(16)} ${"C'(w) fd".padStart(12)} ${'w (autodiff)'.padStart(14)} ${"C'(w) autodiff".padStart(15)}`,
    ...steps.map(
      (s, k) =>
        `${String(k + 1).padStart(5)} ${fmt(s.finiteDifference.w, 8, 16)} ${fmt(s.finiteDifference.derivative, 6, 12)} ${fmt(s.autodiff.w, 8, 14)} ${fmt(s.autodiff.derivative, 6, 15)}`,
    ),
    `finite differences end at w = ${fdW.toPrecision(10)} (off by ${(fdW - 2).toExponential(2)}); autodiff at w = ${adW.toPrecision(10)}`,
  ];
  return {
    trueW: 2,
    steps,
    losses,
    headline: `w = ${adW.toFixed(6)} (autodiff), ${fdW.toFixed(6)} (finite differences); true 2`,
    report,
    figures: async () => [
      {
        name: 'linear-regression-loss',
        svg: await lossCurve(
          'Linear regression: C(w) per step',
          { 'finite differences (eq. 1)': losses.finiteDifference, autodiff: losses.autodiff },
          { x: 'step' },
        ),
      },
    ],
  };
}
