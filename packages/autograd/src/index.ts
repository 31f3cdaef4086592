/**
 * {@include ../README.md#body}
 *
 * @packageDocumentation
 * @module @adjoint/autograd
 */

export { detectAnomaly, isAnomalyEnabled } from './anomaly.js';
export { type Compiled, type CompileOptions, compile, type ProgramInfo } from './compile/compile.js';
export { TraceError } from './compile/trace.js';
export {
  arange,
  eye,
  full,
  oneHot,
  ones,
  type RandomSource,
  rand,
  randn,
  type TensorOptions,
  tensor,
  zeros,
} from './creation.js';
export { type CustomOpSpec, customOp, type PolymorphicOpSpec } from './custom.js';
export { toDot } from './dot.js';
export {
  type Differentiable,
  type GradFn,
  grad,
  type Lifted,
  type ScalarOutput,
  valueAndGrad,
} from './functional.js';
export { type BackwardOptions, isGradEnabled, noGrad } from './graph.js';
/** @hidden Shared with @adjoint/nn (error wording, option checks); not part of the public API. */
export * as internal from './internal.js';
export { getMatmulPrecision, type MatmulPrecision, setMatmulPrecision } from './kernels/precision.js';
export { getNumThreads, setNumThreads } from './kernels/threads.js';
export type { DType, NestedArray, Storage } from './ndarray.js';
export { concat, stack } from './ops/join.js';
export { linear, matmulAsync, scaledDotProductAttention } from './ops/matmul.js';
export { layerNorm } from './ops/normalize.js';
export { where } from './ops/where.js';
export type { Conv2dOptions, Pair, PoolOptions } from './ops/window.js';
export type { TensorJSON } from './print.js';
export { Rng, type RngState } from './random.js';
export { type Elementwise, LEAKY_SLOPE } from './rules/elementwise.js';
export { sideEffect } from './run.js';
export { ShapeError } from './shape.js';
export { type Axes, Tensor, type TensorLike } from './tensor.js';
export {
  hessian,
  hvp,
  type Jacobian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  type Output,
  type TangentOf,
  type Tangents,
} from './transforms.js';
export { Value } from './value.js';
export { type VmapOptions, type VmapOutput, vmap } from './vmap.js';
