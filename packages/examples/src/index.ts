/** `@adjoint/examples`: runnable examples, each a function that returns its results. */
export type { Example, ExampleOutput, RunOptions } from './example';
export { linearRegression } from './examples/linear-regression';
export { logisticRegression } from './examples/logistic-regression';
export { mnistExample } from './examples/mnist';
export { moonsExample } from './examples/moons';
export { neuronGates } from './examples/neuron-gates';
export { umons } from './examples/umons';
export { xor } from './examples/xor';
export { type ExpressionResult, neuronExpression, workedExpression } from './expression';
export { decisionBoundary, digitGrid, dotToSvg, type Figure, lossCurve } from './plot';
export { EXAMPLES } from './registry';
