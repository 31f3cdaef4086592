import { internal, Rng, type RngState, type Tensor } from '@adjoint/autograd';
import { parseJSON } from './json.js';
import { decodeSafetensors } from './safetensors-codec.js';

const { checkFloat32, describe, formatShape } = internal;

/**
 * The saved form of a model written in code (a `Module`): its code is its architecture, so the file
 * holds its tensors by name (its parameters, `blocks.0.fc.weight`, and its buffers, `norm.running_mean`),
 * each with its dtype, shape and numbers row by row, and where each dropout's mask generator is.
 */
export interface StateJSON {
  readonly format: 'adjoint.state';
  readonly version: 1;
  readonly tensors: Readonly<Record<string, SavedTensor>>;
  /** Each dropout module's generator, by its path (`drop`, `blocks.1.drop`). */
  readonly rng?: Readonly<Record<string, RngState>>;
}

/** One tensor in a StateJSON. */
export interface SavedTensor {
  readonly dtype: 'float32' | 'float64';
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

/** What a module with state offers the readers and writers here. */
export interface Stateful {
  namedParameters(): [string, Tensor][];
  namedBuffers(): [string, Tensor][];
  /** Its dropout modules' generators, by path. */
  generators(): [string, { getState(): RngState; setState(state: RngState): void }][];
}

/** @internal The StateJSON of `module`. */
export function stateToJSON(module: Stateful): StateJSON {
  const tensors: Record<string, SavedTensor> = {};
  for (const [name, p] of [...module.namedParameters(), ...module.namedBuffers()])
    tensors[name] = {
      dtype: p.dtype as SavedTensor['dtype'],
      shape: [...p.shape],
      data: Array.from(p.data),
    };
  const rng: Record<string, RngState> = {};
  for (const [path, g] of module.generators()) rng[path] = g.getState();
  return { format: 'adjoint.state', version: 1, tensors, ...(Object.keys(rng).length > 0 ? { rng } : {}) };
}

/**
 * @internal Loads `source` (a StateJSON, its text, safetensors bytes, or safetensors already decoded) into
 * `module`: everything is checked first (exactly the module's tensor names, each shape, every number
 * finite and, for a float32 parameter, within float32's range; each generator's state), so a failed load
 * changes nothing. Errors begin with `op` and name what the file is held to: the model, or the spec it
 * was built from (`fromSafetensors`).
 */
export function loadStateInto(
  module: Stateful,
  source: unknown,
  op: string,
  holder: 'model' | 'spec' = 'model',
): void {
  const fail = (message: string): never => {
    throw new Error(`${op}: ${message}`);
  };
  const found = new Map<string, { shape: readonly number[]; read: () => ArrayLike<number> }>();
  const states = new Map<string, unknown>();
  const decoded = source instanceof Uint8Array ? decodeSafetensors(op, source) : source;
  if (isDecoded(decoded)) {
    const { entries, metadata, read } = decoded;
    for (const [name, entry] of entries) found.set(name, { shape: entry.shape, read: () => read(name) });
    for (const [key, text] of Object.entries(metadata))
      if (key.startsWith('adjoint.rng.'))
        states.set(key.slice('adjoint.rng.'.length), parseOrFail(text, key, fail));
  } else {
    const json = typeof source === 'string' ? parseJSON(source) : source;
    if (typeof json !== 'object' || json === null || (json as StateJSON).format !== 'adjoint.state')
      fail(
        `expected a model's state (format "adjoint.state", from toJSON) or safetensors bytes, got ${describe(json)}`,
      );
    const { version, tensors, rng } = json as StateJSON;
    if (version !== 1) fail(`version: expected 1, got ${describe(version)}`);
    if (typeof tensors !== 'object' || tensors === null)
      fail(`tensors: expected an object of named tensors, got ${describe(tensors)}`);
    for (const [name, saved] of Object.entries(tensors)) {
      const { shape, data } = (saved ?? {}) as Partial<SavedTensor>;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
        fail(`tensors["${name}"].shape: expected an array of sizes, got ${describe(shape)}`);
      if (!Array.isArray(data))
        fail(`tensors["${name}"].data: expected an array of numbers, got ${describe(data)}`);
      found.set(name, { shape: shape!, read: () => data! });
    }
    for (const [path, state] of Object.entries(rng ?? {})) states.set(path, state);
  }
  const wanted = [...module.namedParameters(), ...module.namedBuffers()];
  const known = new Set(wanted.map(([name]) => name));
  const extra = [...found.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) fail(`the file has tensors the ${holder} does not: ${extra.join(', ')}`);
  const numbers = wanted.map(([name, p]) => {
    const entry = found.get(name);
    if (entry === undefined)
      return fail(
        `the file has no "${name}", which the ${holder === 'spec' ? 'spec needs' : 'model has'} (${formatShape(p.shape)})`,
      );
    if (entry.shape.length !== p.shape.length || entry.shape.some((d, i) => d !== p.shape[i]))
      fail(`"${name}" is ${formatShape(entry.shape)} in the file, ${formatShape(p.shape)} in the ${holder}`);
    const data = entry.read();
    if (data.length !== p.size)
      fail(`"${name}" has ${data.length} numbers for shape ${formatShape(p.shape)}`);
    for (let i = 0; i < data.length; i++)
      if (typeof data[i] !== 'number' || !Number.isFinite(data[i]))
        fail(`"${name}"[${i}] is ${describe(data[i])}, not a finite number`);
    if (p.dtype === 'float32') checkFloat32(`${op}: "${name}"`, data);
    return data;
  });
  const generators = new Map(module.generators());
  for (const [path, state] of states) {
    const g = generators.get(path);
    if (g === undefined) fail(`the file has a generator for "${path}", which is not a dropout of the model`);
    try {
      new Rng(0).setState(state as RngState);
    } catch (error) {
      fail(`the generator of "${path}" is not a generator's state (${(error as Error).message})`);
    }
  }
  // checked whole: now written
  wanted.forEach(([, p], k) => {
    p.data.set(numbers[k]!);
  });
  for (const [path, state] of states) generators.get(path)!.setState(state as RngState);
}

/** Whether `x` is what `decodeSafetensors` returns. */
function isDecoded(x: unknown): x is ReturnType<typeof decodeSafetensors> {
  return (
    typeof x === 'object' &&
    x !== null &&
    'entries' in x &&
    (x as { entries: unknown }).entries instanceof Map
  );
}

function parseOrFail(text: string, key: string, fail: (message: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(`__metadata__ "${key}" is not JSON`);
  }
}
