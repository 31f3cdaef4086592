/** `@adjoint/examples`: runnable examples, each a function that returns its results. */

export { type Command, callerPath, parseCommand, suggestion, usageError } from './command';
export { names, windows } from './data/names';
export { circles, moons } from './data/synthetic';
export type { Example, ExampleOutput, RunOptions } from './example';
export { type ExpressionResult, neuronExpression, workedExpression } from './expression';
export { linearRegression } from './linear-regression';
export { logisticRegression } from './logistic-regression';
export { mnistExample } from './mnist';
export { type Distortion, distortDigit, mnistCnnExample } from './mnist-cnn';
export { marginLoss, marginLossTensor, moonsExample, moonsSpec } from './moons';
export { type GptSize, maskedLoss, NamesGpt, namesGpt, sequences } from './names-gpt';
export { neuronGates } from './neuron-gates';
export { defaultOutDir, outDir } from './output';
export { decisionBoundary, digitGrid, dotToSvg, type Figure, filterGrid, lossCurve } from './plot';
export { runProgress } from './progress';
export { EXAMPLES } from './registry';
export { mnistCnnSpec } from './specs';
export { umons } from './umons';
export { xor } from './xor';
