/** `@adjoint/nn`: neurons, layers and MLPs from one spec on either engine, losses, optimizers, training. */
export { LEAKY_SLOPE } from '@adjoint/autograd';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type MseOptions,
  mse,
  type Prediction,
  softmaxCrossEntropy,
  type Target,
} from './losses.js';
export { type AccuracyOptions, accuracy, confusionMatrix, predictedClasses } from './metrics.js';
export type { Model } from './model.js';
export { Activation, Linear, type Module, mlp, Sequential } from './module.js';
export { Adam, type AdamOptions, AdamW, SGD, type SgdOptions } from './optim.js';
export { fromSafetensors, toSafetensors } from './safetensors.js';
export { Layer, Neuron, ScalarMLP, scalarMlp } from './scalar.js';
export { loadModel } from './serialize.js';
export {
  ACTIVATIONS,
  type ActivationName,
  type CheckedSpec,
  checkSpec,
  INITS,
  type InitName,
  type LayerSpec,
  type MlpSpec,
  type ModelJSON,
} from './spec.js';
export {
  type Dataset,
  type EpochLogs,
  type FitOptions,
  fit,
  type History,
  predict,
  takeRows,
} from './train.js';
