import { internal } from '@adjoint/autograd';
import { Module } from '../module.js';
import { type Sequential, sequential } from '../sequential.js';
import type { ModelSpec } from '../spec.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafeDType } from './safetensors-codec.js';
import { loadStateInto } from './state.js';

const { checkArity, checkFloat32, checkOptions, describe } = internal;

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
    // BatchNorm's count of batches is an integer in PyTorch's state_dict, and so in the file
    const dtype = /(^|\.)num_batches_tracked$/.test(name) ? 'I64' : dtypeOf(p);
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
 * `save_file(model.state_dict())` writes them), in the file's dtype. Everything is checked before a
 * number is written, as `loadState` checks a file: the header's size and JSON, every entry's dtype, shape
 * and offsets (in range, not overlapping, matching the shape), no name twice, exactly the parameters
 * `spec` has, every number finite, and each dropout generator's saved state.
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
  const decoded = decodeSafetensors('fromSafetensors', bytes);
  const dtypes = new Set([...decoded.entries.values()].map((e) => e.dtype));
  if (dtypes.size > 1) fail('the file mixes F32 and F64 tensors; a model has one dtype');
  const model = sequential(spec, { dtype: dtypes.has('F32') ? 'float32' : 'float64' });
  // by name, as any module loads safetensors, held to the spec's parameters and dropouts
  loadStateInto(model, decoded, 'fromSafetensors', 'spec');
  return model;
}
