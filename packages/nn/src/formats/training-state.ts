// What a run needs besides the model to resume bit for bit: the optimizer's state (PyTorch's
// optimizer.state_dict(): momentum buffers, Adam's moments and step counts, the rate) and its schedules'
// positions. As plain JSON, or as a safetensors sidecar beside the model's .safetensors file: the buffers
// as F64 tensors named parameters.<i>.<buffer>, the rest in the header's metadata.
import { internal } from '@adjoint/autograd';
import type { OptimizerState } from '../optim-state.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from './safetensors-codec.js';

const { describe } = internal;

/** An optimizer, as far as saving and loading its state goes: SGD, Adam, AdamW. */
export interface Stateful<S = unknown> {
  /** Its state, as plain JSON. */
  stateDict(): S;
  /** Puts back a state `stateDict` gave, checked whole first. */
  loadStateDict(state: unknown): void;
}

/** A run's training state as plain JSON: the optimizer's, and each schedule's in the order given. */
export interface TrainingStateJSON {
  readonly format: 'adjoint.training';
  readonly version: 1;
  readonly optimizer: OptimizerState;
  readonly schedules: readonly unknown[];
}

/**
 * The optimizer's and the schedules' state as plain JSON (for `JSON.stringify` to a file beside the
 * model's JSON); `loadTrainingState` puts it back.
 */
export function trainingStateToJSON(
  optimizer: Stateful<OptimizerState>,
  schedules: readonly Stateful[] = [],
): TrainingStateJSON {
  return stateOf('trainingStateToJSON', optimizer, schedules);
}

function stateOf(
  op: string,
  optimizer: Stateful<OptimizerState>,
  schedules: readonly Stateful[],
): TrainingStateJSON {
  checkParts(op, optimizer, schedules);
  return {
    format: 'adjoint.training',
    version: 1,
    optimizer: optimizer.stateDict(),
    schedules: schedules.map((s) => s.stateDict()),
  };
}

/**
 * The same state as safetensors bytes: the sidecar of a model saved with `toSafetensors`. Every buffer is
 * an F64 tensor (the optimizer keeps them in float64), so a resumed run continues bit for bit.
 */
export function trainingStateToSafetensors(
  optimizer: Stateful<OptimizerState>,
  schedules: readonly Stateful[] = [],
): Uint8Array {
  const state = stateOf('trainingStateToSafetensors', optimizer, schedules);
  const tensors: [string, RawTensor][] = [];
  const rest = state.optimizer.parameters.map((p, i) => {
    if (p === null) return null;
    const scalars: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(p)) {
      if (Array.isArray(value))
        tensors.push([`parameters.${i}.${key}`, { dtype: 'F64', shape: [value.length], data: value }]);
      else scalars[key] = value;
    }
    return scalars;
  });
  return encodeSafetensors(tensors, {
    format: state.format,
    version: String(state.version),
    optimizer: state.optimizer.optimizer,
    // JSON's shortest round-trip form: the rate comes back as the same double
    lr: JSON.stringify(state.optimizer.lr),
    parameters: JSON.stringify(rest),
    schedules: JSON.stringify(state.schedules),
  });
}

/**
 * Puts back a state saved by `trainingStateToJSON` (the object or its JSON text) or
 * `trainingStateToSafetensors` (the bytes) into an optimizer and its schedules, made as the saved ones were
 * (same parameters, same kinds). It is all or nothing: if the optimizer's or any schedule's part does not
 * fit, the Error names it and the optimizer and every schedule are left as they were.
 */
export function loadTrainingState(
  saved: TrainingStateJSON | string | Uint8Array,
  optimizer: Stateful<OptimizerState>,
  schedules: readonly Stateful[] = [],
): void {
  const op = 'loadTrainingState';
  checkParts(op, optimizer, schedules);
  const state = saved instanceof Uint8Array ? fromSafetensors(saved) : fromJSON(saved);
  if (state.schedules.length !== schedules.length)
    throw new Error(
      `${op}: the state has ${state.schedules.length} schedule(s), and ${schedules.length} were given to load them into`,
    );
  const before = [optimizer, ...schedules].map((part) => part.stateDict());
  try {
    optimizer.loadStateDict(state.optimizer);
    schedules.forEach((schedule, i) => {
      schedule.loadStateDict(state.schedules[i]);
    });
  } catch (error) {
    [optimizer, ...schedules].forEach((part, i) => {
      part.loadStateDict(before[i]);
    });
    throw error;
  }
}

function checkParts(op: string, optimizer: unknown, schedules: unknown): void {
  const stateful = (x: unknown) =>
    typeof (x as Stateful | null)?.stateDict === 'function' &&
    typeof (x as Stateful | null)?.loadStateDict === 'function';
  if (!stateful(optimizer))
    throw new TypeError(`${op}: expected an optimizer (SGD, Adam, AdamW), got ${describe(optimizer)}`);
  if (!Array.isArray(schedules))
    throw new TypeError(`${op}: expected the schedules as an array, got ${describe(schedules)}`);
  schedules.forEach((s, i) => {
    if (!stateful(s))
      throw new TypeError(`${op}: schedules[${i}] is ${describe(s)}, not a schedule (it has no stateDict)`);
  });
}

function fromJSON(saved: unknown): TrainingStateJSON {
  let state = saved;
  if (typeof saved === 'string') {
    try {
      state = JSON.parse(saved);
    } catch (error) {
      throw new SyntaxError(`loadTrainingState: the text is not JSON (${(error as Error).message})`);
    }
  }
  const s = state as Partial<TrainingStateJSON> | null;
  if (typeof s !== 'object' || s === null || s.format !== 'adjoint.training')
    throw new TypeError(
      `loadTrainingState: expected what trainingStateToJSON or trainingStateToSafetensors saved, got ${describe(state)}`,
    );
  if (s.version !== 1)
    throw new TypeError(`loadTrainingState: version: expected 1, got ${describe(s.version)}`);
  if (!Array.isArray(s.schedules))
    throw new TypeError(`loadTrainingState: schedules: expected an array, got ${describe(s.schedules)}`);
  return s as TrainingStateJSON;
}

function fromSafetensors(bytes: Uint8Array): TrainingStateJSON {
  const op = 'loadTrainingState';
  const { entries, metadata, read } = decodeSafetensors(op, bytes);
  if (metadata.format !== 'adjoint.training')
    throw new TypeError(
      `${op}: these safetensors hold ${metadata.format === undefined ? 'no training state' : `"${metadata.format}"`}, not a training state (a model's file? its sidecar is the one trainingStateToSafetensors wrote)`,
    );
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? '');
    } catch {
      throw new TypeError(`${op}: __metadata__ "${key}" is not JSON`);
    }
  };
  const rest = parse('parameters');
  if (!Array.isArray(rest)) throw new TypeError(`${op}: __metadata__ "parameters" is not a list`);
  const used = new Set<string>();
  const parameters = rest.map((scalars: unknown, i) => {
    if (scalars === null) return null;
    if (typeof scalars !== 'object' || Array.isArray(scalars))
      throw new TypeError(`${op}: parameter ${i}'s state is ${describe(scalars)}`);
    const out: Record<string, number[] | number | null> = { ...(scalars as Record<string, number | null>) };
    for (const name of entries.keys()) {
      const prefix = `parameters.${i}.`;
      if (!name.startsWith(prefix)) continue;
      out[name.slice(prefix.length)] = Array.from(read(name));
      used.add(name);
    }
    return out;
  });
  const stray = [...entries.keys()].filter((name) => !used.has(name));
  if (stray.length > 0)
    throw new TypeError(`${op}: the file has tensors of no parameter: ${stray.join(', ')}`);
  return {
    format: 'adjoint.training',
    version: 1,
    optimizer: { optimizer: metadata.optimizer ?? '', lr: parse('lr') as number, parameters },
    schedules: parse('schedules') as unknown[],
  };
}
