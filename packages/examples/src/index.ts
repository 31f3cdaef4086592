/** `@adjoint/examples`: runnable examples, each a function that returns its results. */
export { type ExpressionResult, workedExpression } from './expression';
