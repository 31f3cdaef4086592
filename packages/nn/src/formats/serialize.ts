import { internal } from '@adjoint/autograd';
import { type ScalarMLP, scalarMlp } from '../scalar.js';
import { type Sequential, sequential } from '../sequential.js';
import type { MlpSpec } from '../spec.js';
import { checkModelJSON, parseJSON } from './json.js';

const { checkOptions, describe } = internal;

/**
 * Builds a model from its JSON (an object or a string), on the Tensor engine unless `engine` is
 * 'scalar'. Everything is checked before anything is built, so a bad file throws an Error naming the
 * field and the value, and never yields a half-loaded model.
 */
export function loadModel(json: unknown, options: { readonly engine: 'scalar' }): ScalarMLP;
/** Builds a model from its JSON on the Tensor engine (the default); see the scalar overload for the checks. */
export function loadModel(json: unknown, options?: { readonly engine?: 'tensor' }): Sequential;
export function loadModel(
  json: unknown,
  options: { readonly engine?: 'tensor' | 'scalar' } = {},
): Sequential | ScalarMLP {
  const parsed = typeof json === 'string' ? parseJSON(json) : json;
  const { spec } = checkModelJSON(parsed);
  checkOptions('loadModel', options, ['engine']);
  if (options.engine !== undefined && options.engine !== 'tensor' && options.engine !== 'scalar')
    throw new TypeError(`loadModel: expected engine 'tensor' or 'scalar', got ${describe(options.engine)}`);
  const model = options.engine === 'scalar' ? scalarMlp(spec as MlpSpec) : sequential(spec);
  model.loadState(parsed);
  return model;
}
