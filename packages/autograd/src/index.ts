/** `@adjoint/autograd`: reverse-mode automatic differentiation over a recorded computation graph. */

export { detectAnomaly, isAnomalyEnabled } from './anomaly';
export {
  arange,
  eye,
  full,
  ones,
  type RandomSource,
  rand,
  randn,
  type TensorOptions,
  tensor,
  zeros,
} from './creation';
export { type CustomOpSpec, customOp, type PolymorphicOpSpec } from './custom';
export { toDot } from './dot';
export {
  type Differentiable,
  type GradFn,
  grad,
  type Lifted,
  type ScalarOutput,
  valueAndGrad,
} from './functional';
export { isGradEnabled, type Node, noGrad, type Vjp } from './graph';
export type { DType, Storage } from './ndarray';
export type { Elementwise } from './ops';
export { Rng } from './random';
export { ShapeError } from './shape';
export { type Axes, concat, type NestedArray, stack, Tensor, type TensorLike } from './tensor';
export { getNumThreads, setNumThreads } from './threads';
export { type BackwardOptions, Value } from './value';
export { where } from './where';
