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
export { concat, stack } from './join';
export { getNumThreads, setNumThreads } from './kernels/threads';
export { linear } from './linear';
export { checkFloat32, type DType, MAX_ELEMENTS, type NestedArray, type Storage } from './ndarray';
export { Rng } from './random';
export { type Elementwise, LEAKY_SLOPE } from './rules/elementwise';
export { describe, formatShape, ShapeError } from './shape';
export { type Axes, Tensor, type TensorLike } from './tensor';
export { type BackwardOptions, Value } from './value';
export { where } from './where';
