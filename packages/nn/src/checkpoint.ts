// modelCheckpoint: Keras's ModelCheckpoint as a fit callback. It saves the model (adjoint JSON, or
// safetensors for a path ending in .safetensors) after every `every` epochs, or only when the monitored
// log improves; to a file in Node, or to a function of yours anywhere (the browser, a database); with
// the optimizer's and the schedules' state beside it when asked, so a run resumes from it.
import { internal } from '@adjoint/autograd';
import {
  type Callback,
  checkMonitor,
  type EpochLogs,
  monitorMode,
  type TrainingContext,
} from './callbacks.js';
import { toSafetensors } from './formats/safetensors.js';
import { type Stateful, trainingStateToJSON, trainingStateToSafetensors } from './formats/training-state.js';
import { Module } from './module.js';
import type { OptimizerState } from './optim-state.js';

const { checkOptions, describe } = internal;

/** What `modelCheckpoint` hands a `save` function: the bytes of the file it would write, and when. */
export interface Checkpoint {
  /** The 0-based epoch just finished. */
  readonly epoch: number;
  readonly logs: EpochLogs;
  /** The model as adjoint JSON text (or safetensors bytes when `format` is 'safetensors'). */
  readonly data: string | Uint8Array;
  /** With `optimizer`: the training state, in the same format (see `loadTrainingState`). */
  readonly trainingState?: string | Uint8Array;
}

/** Options of `modelCheckpoint`. */
export interface CheckpointOptions {
  /** A file path (Node): `{epoch}` in it becomes the epoch counted from 1, as in Keras. */
  readonly path?: string;
  /** Called with each checkpoint instead of writing a file. */
  readonly save?: (checkpoint: Checkpoint) => void;
  /** 'json' (adjoint's, default) or 'safetensors' (Tensor models; the default for a .safetensors path). */
  readonly format?: 'json' | 'safetensors';
  /** The log compared when `saveBestOnly` (default 'valLoss'). */
  readonly monitor?: keyof EpochLogs;
  /** Save only when the monitor improves on its best so far (default false). */
  readonly saveBestOnly?: boolean;
  /** 'auto' (max for an accuracy), 'min' or 'max'. */
  readonly mode?: 'auto' | 'min' | 'max';
  /** Save after every this many epochs (default 1), when not `saveBestOnly`. */
  readonly every?: number;
  /**
   * Also save this optimizer's state (and its `schedules`'), so the run can resume from the checkpoint bit
   * for bit: with `path`, to a sidecar file beside the model's (`model.json` → `model.optimizer.json`,
   * `model.safetensors` → `model.optimizer.safetensors`), as Keras saves the optimizer in its checkpoints.
   */
  readonly optimizer?: Stateful<OptimizerState>;
  /** The schedules whose positions are saved with the optimizer's state, in the order to load them. */
  readonly schedules?: readonly Stateful[];
}

/** Where `modelCheckpoint` writes the training state beside a model saved at `path`. */
export function sidecarPath(path: string): string {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`sidecarPath: expected a file path, got ${describe(path)}`);
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && dot > 0
    ? `${path.slice(0, dot)}.optimizer${path.slice(dot)}`
    : `${path}.optimizer.json`;
}

/**
 * Saves the model while it trains, as Keras's ModelCheckpoint: after every `every` epochs, or with
 * `saveBestOnly` whenever `monitor` beats its best. Give `path` (Node) or `save` (anywhere).
 */
export function modelCheckpoint(options: CheckpointOptions): Callback & { readonly saved: number[] } {
  checkOptions('modelCheckpoint', options, [
    'path',
    'save',
    'format',
    'monitor',
    'saveBestOnly',
    'mode',
    'every',
    'optimizer',
    'schedules',
  ]);
  const { path, save, monitor = 'valLoss', saveBestOnly = false, mode = 'auto', every = 1 } = options ?? {};
  if ((path === undefined) === (save === undefined))
    throw new TypeError('modelCheckpoint: give path (a file, in Node) or save (a function), one of them');
  if (path !== undefined && (typeof path !== 'string' || path === ''))
    throw new TypeError(`modelCheckpoint: expected path to be a file name, got ${describe(path)}`);
  if (save !== undefined && typeof save !== 'function')
    throw new TypeError(`modelCheckpoint: expected save to be a function, got ${describe(save)}`);
  const format = options.format ?? (path?.endsWith('.safetensors') ? 'safetensors' : 'json');
  if (format !== 'json' && format !== 'safetensors')
    throw new TypeError(`modelCheckpoint: expected format 'json' or 'safetensors', got ${describe(format)}`);
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
    throw new TypeError(`modelCheckpoint: expected mode 'auto', 'min' or 'max', got ${describe(mode)}`);
  if (!Number.isSafeInteger(every) || every < 1)
    throw new RangeError(`modelCheckpoint: expected every to be a positive integer, got ${describe(every)}`);
  if (typeof saveBestOnly !== 'boolean')
    throw new TypeError(
      `modelCheckpoint: expected saveBestOnly to be true or false, got ${describe(saveBestOnly)}`,
    );
  const { optimizer, schedules = [] } = options;
  if (options.schedules !== undefined && optimizer === undefined)
    throw new TypeError('modelCheckpoint: schedules are saved with the optimizer; give optimizer too');
  // the parts are checked now, not at the first save
  if (optimizer !== undefined) trainingStateToJSON(optimizer, schedules);
  const max = monitorMode(mode, monitor) === 'max';
  // the file system, where there is one: Node ≥ 20.16 hands it over synchronously
  const fs =
    path === undefined
      ? null
      : ((
          globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
        ).process?.getBuiltinModule?.('node:fs') as
          | { writeFileSync(path: string, data: string | Uint8Array): void }
          | undefined);
  if (path !== undefined && fs === undefined)
    throw new Error(
      'modelCheckpoint: a path needs Node.js (≥ 20.16); here, give save: (checkpoint) => … instead',
    );
  let best = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const saved: number[] = [];
  return {
    saved,
    onTrainBegin(context: TrainingContext) {
      if (format === 'safetensors' && !(context.model instanceof Module))
        throw new TypeError(
          'modelCheckpoint: safetensors holds a Tensor-engine model (sequential, mlp or a Module); use json',
        );
      if (saveBestOnly) checkMonitor('modelCheckpoint', monitor, context);
      best = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    },
    onEpochEnd(epoch: number, logs: EpochLogs, context: TrainingContext) {
      if (saveBestOnly) {
        const current = logs[monitor]!;
        if (!(max ? current > best : current < best)) return;
        best = current;
      } else if ((epoch + 1) % every !== 0) return;
      const data =
        format === 'safetensors'
          ? toSafetensors(context.model as Module)
          : JSON.stringify(context.model.toJSON());
      const trainingState =
        optimizer === undefined
          ? undefined
          : format === 'safetensors'
            ? trainingStateToSafetensors(optimizer, schedules)
            : JSON.stringify(trainingStateToJSON(optimizer, schedules));
      if (save !== undefined)
        save({ epoch, logs, data, ...(trainingState === undefined ? {} : { trainingState }) });
      else {
        const file = path!.replaceAll('{epoch}', String(epoch + 1));
        fs!.writeFileSync(file, data);
        if (trainingState !== undefined) fs!.writeFileSync(sidecarPath(file), trainingState);
      }
      saved.push(epoch);
    },
  };
}
