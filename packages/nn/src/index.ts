/**
 * {@include ../README.md#body}
 *
 * @packageDocumentation
 * @module @adjoint/nn
 */

export { BatchNorm1d, Embedding, GELU, LayerNorm, MultiHeadAttention } from './blocks.js';
export {
  type Callback,
  EarlyStopping,
  type EarlyStoppingOptions,
  type EpochLogs,
  earlyStopping,
  type TrainingContext,
} from './callbacks.js';
export { type Checkpoint, type CheckpointOptions, modelCheckpoint, sidecarPath } from './checkpoint.js';
export { type ClipNormOptions, clipGradNorm, clipGradValue } from './clipping.js';
export type { ByteStream, CsvOptions, TextSource } from './csv.js';
export {
  type BatchOptions,
  Dataset,
  type DatasetSource,
  type ShuffleOptions,
  type Stacked,
} from './dataset.js';
export { type FitAsyncOptions, fitAsync } from './fit-async.js';
export type { Batch, FitOptions, History, LossOptions, Samples, TrainingData } from './fit-options.js';
export type { LayerState, ModelJSON, NestedNumbers } from './formats/json.js';
export { fromSafetensors, type SafetensorsOptions, toSafetensors } from './formats/safetensors.js';
export { loadModel } from './formats/serialize.js';
export type { SavedTensor, StateJSON } from './formats/state.js';
export {
  loadTrainingState,
  type Stateful,
  type TrainingStateJSON,
  trainingStateToJSON,
  trainingStateToSafetensors,
} from './formats/training-state.js';
export {
  Activation,
  Conv2d,
  type Conv2dLayerOptions,
  Dropout,
  Flatten,
  Linear,
  Pool2d,
} from './layers.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type LogLossOptions,
  type LossOf,
  type MseOptions,
  mse,
  type Prediction,
  softmaxCrossEntropy,
  type Target,
  type ValuePrediction,
  type Weighted,
} from './losses.js';
export { type AccuracyOptions, accuracy, confusionMatrix, predictedClasses } from './metrics.js';
export type { Model } from './model.js';
export { Module, ModuleDict, ModuleList } from './module.js';
export { OneCycleLR, type OneCycleOptions } from './one-cycle.js';
export { Adam, type AdamOptions, AdamW, type Clipping, SGD, type SgdOptions } from './optim.js';
export type { OptimizerState, Parameters, ParamGroup } from './optim-state.js';
export type { BlockOptions } from './parameters.js';
export { type PlateauOptions, ReduceLROnPlateau } from './plateau.js';
export { type ProgressOptions, type ProgressStream, progressBar } from './progress.js';
export { predict, takeRows } from './samples.js';
export { type SampleOptions, sample } from './sampling.js';
export { Layer, Neuron, ScalarMLP, scalarMlp } from './scalar.js';
export {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  type Schedulable,
  type ScheduleOptions,
  type StepEvery,
  StepLR,
  SteppedSchedule,
} from './schedules.js';
export { type MlpOptions, mlp, Sequential, sequential } from './sequential.js';
export { SequentialLR } from './sequential-lr.js';
export {
  ACTIVATIONS,
  type ActivationName,
  type ConvSpec,
  type DenseSpec,
  type DropoutSpec,
  type FlattenSpec,
  INITS,
  type InitName,
  LAYER_KINDS,
  type LayerKind,
  type LayerSpec,
  layerShapes,
  type MlpSpec,
  type ModelSpec,
  type PoolSpec,
} from './spec.js';
export { type ModelSummary, type SummaryOptions, type SummaryRow, summary } from './summary.js';
export { fit } from './train.js';
