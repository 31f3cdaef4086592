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
} from './losses';
export { type AccuracyOptions, accuracy, confusionMatrix, predictedClasses } from './metrics';
export type { Model } from './model';
export { Activation, Linear, type Module, mlp, Sequential } from './module';
export { Adam, type AdamOptions, AdamW, SGD, type SgdOptions } from './optim';
export { Layer, Neuron, ScalarMLP, scalarMlp } from './scalar';
export { loadModel } from './serialize';
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
} from './spec';
export {
  type Dataset,
  type EpochLogs,
  type FitOptions,
  fit,
  type History,
  predict,
  takeRows,
} from './train';
