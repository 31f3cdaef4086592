import { internal, Rng, type RngState } from '@adjoint/autograd';
import { Dropout } from '../layers.js';
import { Module } from '../module.js';
import { type Sequential, sequential } from '../sequential.js';
import type { ModelSpec } from '../spec.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafeDType } from './safetensors-codec.js';

const { checkArity, checkFloat32, checkOptions, describe, formatShape } = internal;

/** What `toSafetensors` takes. */
export interface SafetensorsOptions {
  /** The dtype written: F32 for 'float32', F64 for 'float64'; by default each parameter's own. */
  readonly dtype?: 'float32' | 'float64';
}

/**
 * A Tensor-engine model's parameters as safetensors bytes, named as PyTorch's state_dict of the same
 * nn.Sequential (or, for a Module written in code, the same module tree) names them, in the parameters' dtype (F32 or F64) or the one `options.dtype` asks for
 * (narrowing to float32 refuses a value beyond its range). The header is padded with spaces to a
 * multiple of 8 bytes, so every tensor is aligned.
 *
 * @example
 * {@includeCode ../../doc-examples/to-safetensors.ts}
 */
export function toSafetensors(model: Module, options: SafetensorsOptions = {}): Uint8Array {
  checkOptions('toSafetensors', options, ['dtype']);
  const wanted = options.dtype;
  if (wanted !== undefined && wanted !== 'float32' && wanted !== 'float64')
    throw new TypeError(`toSafetensors: expected dtype 'float32' or 'float64', got ${describe(wanted)}`);
  if (!(model instanceof Module))
    throw new TypeError(
      `toSafetensors: expected a Tensor-engine model (sequential, mlp, or a Module written in code), got ${describe(model)}`,
    );
  // the parameters, then the buffers (a running mean): PyTorch's state_dict holds both
  const named = [...model.namedParameters(), ...model.namedBuffers()];
  const dtypeOf = (p: { readonly dtype: string }): SafeDType =>
    (wanted ?? p.dtype) === 'float32' ? 'F32' : 'F64';
  const tensors = named.map(([name, p]): [string, RawTensor] => {
    const dtype = dtypeOf(p);
    const data = p.data; // read once: a Tensor's data is a getter
    if (dtype === 'F32') checkFloat32(`toSafetensors (${name})`, data);
    return [name, { dtype, shape: p.shape, data }];
  });
  // the dropout layers' generators, by path (a Sequential's: its index), where a resumed run needs them
  // (PyTorch ignores it)
  const metadata: Record<string, string> = { format: 'pt' };
  for (const [path, g] of model.generators()) metadata[`adjoint.rng.${path}`] = JSON.stringify(g.getState());
  return encodeSafetensors(tensors, metadata);
}

/**
 * A model of `spec` with the parameters of safetensors `bytes` (as `toSafetensors` or PyTorch's
 * `save_file(model.state_dict())` writes them), in the file's dtype. Everything is checked before the
 * model is built: the header's size and JSON, every entry's dtype, shape and offsets (in range, not
 * overlapping, matching the shape), no name twice, and exactly the parameters `spec` has.
 *
 * @example
 * {@includeCode ../../doc-examples/from-safetensors.ts}
 */
export function fromSafetensors(bytes: Uint8Array, spec: ModelSpec): Sequential {
  // biome-ignore lint/complexity/noArguments: a caller without types may pass an options object it means
  checkArity('fromSafetensors', arguments, ['bytes', 'spec']);
  const fail = (message: string): never => {
    throw new Error(`fromSafetensors: ${message}`);
  };
  const { entries, metadata, read } = decodeSafetensors('fromSafetensors', bytes);
  const dtypes = new Set([...entries.values()].map((e) => e.dtype));
  if (dtypes.size > 1) fail('the file mixes F32 and F64 tensors; a model has one dtype');
  const model = sequential(spec, { dtype: dtypes.has('F32') ? 'float32' : 'float64' });
  const wanted = model.namedParameters();
  const known = new Set(wanted.map(([n]) => n));
  const extra = [...entries.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) fail(`the file has tensors the spec does not: ${extra.join(', ')}`);
  for (const [name, p] of wanted) {
    const entry = entries.get(name);
    if (entry === undefined)
      fail(`the file has no "${name}", which the spec needs (${formatShape(p.shape)})`);
    if (entry!.shape.length !== p.shape.length || entry!.shape.some((d, i) => d !== p.shape[i]))
      fail(`"${name}" is ${formatShape(entry!.shape)} in the file, ${formatShape(p.shape)} in the spec`);
  }
  // the dropout layers' generators, where the file (one of adjoint's) has them
  const states = model.modules.flatMap((m, i) => {
    const text = metadata[`adjoint.rng.${i}`];
    if (!(m instanceof Dropout) || text === undefined) return [];
    let state: unknown;
    try {
      state = JSON.parse(text);
      new Rng(0).setState(state as RngState);
    } catch (error) {
      fail(`__metadata__ "adjoint.rng.${i}" is not a generator's state (${(error as Error).message})`);
    }
    return [[m, state as RngState] as const];
  });
  for (const [name, p] of wanted) p.data.set(read(name));
  for (const [m, state] of states) m.setState(state);
  return model;
}
