import { internal, Rng, type RngState } from '@adjoint/autograd';
import { type CheckedSpec, checkSpec, isMlp, kindOf, shapesOf } from '../spec.js';

const { describe } = internal;

/** Numbers nested to a weight's shape: [out][in] for a dense layer, [out][in / groups][kH][kW] for a convolution. */
export type NestedNumbers = number[] | NestedNumbers[];

/**
 * One layer's parameters in a saved model; a layer without parameters (pooling, flatten) saves {}, and a
 * dropout layer where its mask generator is (`rng`, optional: without it the layer starts from the spec's seed).
 */
export interface LayerState {
  readonly weight?: NestedNumbers;
  readonly bias?: number[];
  readonly rng?: RngState;
}

/**
 * The saved form of a model, as plain JSON: its spec, and per layer its weight and bias. An MLP is
 * saved as 'adjoint.mlp' (both engines read it); a spec with other layer kinds as 'adjoint.model'.
 */
export interface ModelJSON {
  readonly format: 'adjoint.mlp' | 'adjoint.model';
  readonly version: 1;
  readonly spec: CheckedSpec;
  readonly layers: readonly LayerState[];
}

/** The format name a spec saves under. */
export function formatOf(spec: CheckedSpec): ModelJSON['format'] {
  return isMlp(spec) ? 'adjoint.mlp' : 'adjoint.model';
}

/** The shapes of a layer's weight and bias, or null for a layer without parameters. */
export function parameterShapes(spec: CheckedSpec): ({ weight: number[]; bias: number[] } | null)[] {
  const shapes = shapesOf(spec);
  return spec.layers.map((layer, i) => {
    const before = i === 0 ? (typeof spec.inputs === 'number' ? [spec.inputs] : spec.inputs) : shapes[i - 1]!;
    if ('units' in layer) return { weight: [layer.units, before[0]!], bias: [layer.units] };
    if (layer.kind !== 'conv') return null;
    const { filters, groups, kernel } = layer;
    return { weight: [filters, before[0]! / groups, kernel[0], kernel[1]], bias: [filters] };
  });
}

/** JSON text parsed, with an error that says it is not JSON. */
export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`loadModel: the text is not JSON (${(error as Error).message})`);
  }
}

const KEYS = ['format', 'version', 'spec', 'layers'];

/** Checks every field of a saved model: format, version, spec, and each layer's shapes and numbers. */
export function checkModelJSON(json: unknown): { spec: CheckedSpec; layers: readonly LayerState[] } {
  plainObject('loadModel: expected a model object', json, KEYS);
  const { format, version, spec: rawSpec, layers } = json as Record<string, unknown>;
  if (format !== 'adjoint.mlp' && format !== 'adjoint.model')
    throw new TypeError(
      `loadModel: format: expected "adjoint.mlp" or "adjoint.model", got ${describe(format)}`,
    );
  if (version !== 1) throw new TypeError(`loadModel: version: expected 1, got ${describe(version)}`);
  plainObject('loadModel: spec: expected { inputs, layers, seed, init }', rawSpec, [
    'inputs',
    'layers',
    'seed',
    'init',
  ]);
  const spec = checkSpec(rawSpec);
  if (format === 'adjoint.mlp' && !isMlp(spec)) {
    const i = spec.layers.findIndex((l) => kindOf(l) !== 'dense');
    throw new TypeError(
      i < 0
        ? 'loadModel: an "adjoint.mlp" file takes a number of inputs, not [channels, height, width]'
        : `loadModel: an "adjoint.mlp" file has dense layers only; spec.layers[${i}] is ${kindOf(spec.layers[i]!)}`,
    );
  }
  if (!Array.isArray(layers) || layers.length !== spec.layers.length) {
    throw new TypeError(
      `loadModel: layers: expected ${spec.layers.length} layers as the spec says, got ${describe(layers)}`,
    );
  }
  const shapes = parameterShapes(spec);
  layers.forEach((layer: unknown, l) => {
    const field = `layers[${l}]`;
    const shape = shapes[l];
    if (shape === null) {
      const kind = kindOf(spec.layers[l]!);
      if (kind !== 'dropout') {
        plainObject(`loadModel: ${field}: expected {} for a ${kind} layer`, layer, []);
        return;
      }
      plainObject(`loadModel: ${field}: expected {} or { rng } for a dropout layer`, layer, ['rng']);
      const rng = (layer as LayerState).rng;
      if (rng !== undefined) {
        plainObject(`loadModel: ${field}.rng: expected { s, spare }`, rng, ['s', 'spare']);
        try {
          new Rng(0).setState(rng);
        } catch (error) {
          throw new TypeError(
            `loadModel: ${field}.rng: ${(error as Error).message.replace(/^Rng.setState: /, '')}`,
          );
        }
      }
      return;
    }
    plainObject(`loadModel: ${field}: expected { weight, bias }`, layer, ['weight', 'bias']);
    const { weight, bias } = layer as Record<string, unknown>;
    checkNumbers(`${field}.weight`, weight, shape!.weight);
    checkNumbers(`${field}.bias`, bias, shape!.bias);
  });
  return { spec, layers: layers as LayerState[] };
}

/** Checks nested arrays of finite numbers of exactly `shape`, without trusting any length in the file. */
function checkNumbers(field: string, value: unknown, shape: readonly number[]): void {
  if (shape.length === 0) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new TypeError(`loadModel: ${field}: expected a finite number, got ${describe(value)}`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[0]) {
    throw new TypeError(
      `loadModel: ${field}: expected an array of length ${shape[0]}, got ${describe(value)}`,
    );
  }
  for (const [i, v] of value.entries()) checkNumbers(`${field}[${i}]`, v, shape.slice(1));
}

/**
 * Checks that `value` is a plain object (its prototype is Object.prototype or null, so no field can be
 * inherited) with no keys but `allowed`: a key like "__proto__" or "constructor" is refused, not read.
 */
function plainObject(message: string, value: unknown, allowed: readonly string[]): void {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (Array.isArray(value) || (proto !== Object.prototype && proto !== null))
    throw new TypeError(`${message}, got ${describe(value)}`);
  const where = message.slice(0, message.lastIndexOf(':'));
  for (const key of Object.keys(value as object)) {
    if (!allowed.includes(key)) throw new TypeError(`${where}: unknown field ${JSON.stringify(key)}`);
  }
}
