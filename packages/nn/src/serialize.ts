import type { Value } from '@adjoint/autograd';
import { Linear, mlp, type Sequential } from './module';
import { type MLP, scalarMlp } from './scalar';
import { type CheckedSpec, checkSpec, kind, type ModelJSON } from './spec';

const KEYS = ['format', 'version', 'spec', 'layers'];

/**
 * Builds a model from its JSON (an object or a string), on the Tensor engine unless `engine` is
 * 'scalar'. Everything is checked before anything is built, so a bad file throws an Error naming the
 * field and the value, and never yields a half-loaded model.
 */
export function loadModel(json: unknown, options: { readonly engine: 'scalar' }): MLP;
export function loadModel(json: unknown, options?: { readonly engine?: 'tensor' }): Sequential;
export function loadModel(
  json: unknown,
  options: { readonly engine?: 'tensor' | 'scalar' } = {},
): Sequential | MLP {
  const parsed = typeof json === 'string' ? parseJSON(json) : json;
  const { spec, layers } = checkModelJSON(parsed);
  if (options.engine === 'scalar') {
    const model = scalarMlp(spec);
    model.layers.forEach((layer, l) => {
      layer.neurons.forEach((n, j) => {
        n.w.forEach((w: Value, i) => {
          w.data = layers[l]!.weight[j]![i]!;
        });
        n.b.data = layers[l]!.bias[j]!;
      });
    });
    return model;
  }
  const model = mlp(spec);
  model.modules.forEach((m, i) => {
    if (m instanceof Linear) {
      const saved = layers[i / 2]!;
      m.weight.data.set(saved.weight.flat());
      m.bias.data.set(saved.bias);
    }
  });
  return model;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`loadModel: the text is not JSON (${(error as Error).message})`);
  }
}

/** Checks every field of a saved model: format, version, spec, and each layer's shapes and numbers. */
function checkModelJSON(json: unknown): { spec: CheckedSpec; layers: ModelJSON['layers'] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TypeError(`loadModel: expected a model object, got ${kind(json)}`);
  for (const key of Object.keys(json)) {
    if (!KEYS.includes(key)) throw new TypeError(`loadModel: unknown field ${JSON.stringify(key)}`);
  }
  const { format, version, spec: rawSpec, layers } = json as Record<string, unknown>;
  if (format !== 'adjoint.mlp')
    throw new TypeError(`loadModel: format: expected "adjoint.mlp", got ${kind(format)}`);
  if (version !== 1) throw new TypeError(`loadModel: version: expected 1, got ${kind(version)}`);
  const spec = checkSpec(rawSpec);
  if (!Array.isArray(layers) || layers.length !== spec.layers.length) {
    throw new TypeError(
      `loadModel: layers: expected ${spec.layers.length} layers as the spec says, got ${kind(layers)}`,
    );
  }
  let inputs = spec.inputs;
  layers.forEach((layer: unknown, l) => {
    const units = spec.layers[l]!.units;
    const field = `layers[${l}]`;
    if (typeof layer !== 'object' || layer === null)
      throw new TypeError(`loadModel: ${field}: expected { weight, bias }, got ${kind(layer)}`);
    const { weight, bias } = layer as Record<string, unknown>;
    checkNumbers(`${field}.weight`, weight, [units, inputs]);
    checkNumbers(`${field}.bias`, bias, [units]);
    inputs = units;
  });
  return { spec, layers: layers as ModelJSON['layers'] };
}

/** Checks nested arrays of finite numbers of exactly `shape`, without trusting any length in the file. */
function checkNumbers(field: string, value: unknown, shape: readonly number[]): void {
  if (shape.length === 0) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new TypeError(`loadModel: ${field}: expected a finite number, got ${kind(value)}`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[0]) {
    throw new TypeError(`loadModel: ${field}: expected an array of length ${shape[0]}, got ${kind(value)}`);
  }
  for (const [i, v] of value.entries()) checkNumbers(`${field}[${i}]`, v, shape.slice(1));
}
