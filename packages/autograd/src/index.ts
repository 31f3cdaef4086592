/** `@adjoint/autograd`: reverse-mode automatic differentiation over a recorded computation graph. */
export { type CustomOpSpec, customOp } from './custom';
export { toDot } from './dot';
export { grad, type Lifted, type ScalarOutput, valueAndGrad } from './functional';
export { isGradEnabled, type Node, noGrad, type Vjp } from './graph';
export type { Differentiable, Elementwise } from './ops';
export { ShapeError } from './shape';
export { type BackwardOptions, Value } from './value';
