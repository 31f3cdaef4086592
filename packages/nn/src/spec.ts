import { describe } from '@adjoint/autograd';
/** The activations a layer may apply; `softmax` runs across the layer's outputs. */
export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax'] as const;
/** The name of a layer activation. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** How weights are drawn: micrograd's uniform(-1, 1), Xavier/Glorot uniform, or He (Kaiming) normal. */
export const INITS = ['uniform', 'xavier', 'he'] as const;
/** The name of a weight initializer. */
export type InitName = (typeof INITS)[number];

/** One dense layer: how many units, and the activation applied to them. */
export interface LayerSpec {
  readonly units: number;
  readonly activation: ActivationName;
}

/**
 * A multi-layer perceptron, declared once for either engine: `mlp(spec)` builds it on Tensors,
 * `scalarMlp(spec)` on Values, with the same initial parameters for the same `seed`.
 */
export interface MlpSpec {
  readonly inputs: number;
  readonly layers: readonly LayerSpec[];
  /** Seeds the initial weights. Default 0. */
  readonly seed?: number;
  /** Default 'xavier'; biases start at 0 with every initializer. */
  readonly init?: InitName;
}

/** The saved form of an MLP: its spec and every layer's weight [out][in] and bias [out], as plain JSON. */
export interface ModelJSON {
  readonly format: 'adjoint.mlp';
  readonly version: 1;
  readonly spec: CheckedSpec;
  readonly layers: readonly { readonly weight: number[][]; readonly bias: number[] }[];
}

/** A spec with every default filled in. */
export type CheckedSpec = Required<MlpSpec>;

/** Checks a spec (it may come from JSON) and fills in defaults; throws an Error naming the bad field. */
export function checkSpec(spec: unknown): CheckedSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec: expected an object like { inputs, layers }, got ${describe(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  positiveInteger('spec.inputs', s.inputs);
  if (!Array.isArray(s.layers) || s.layers.length === 0) {
    throw new TypeError(
      `spec.layers: expected a non-empty array of { units, activation }, got ${describe(s.layers)}`,
    );
  }
  const layers = s.layers.map((layer: unknown, i: number): LayerSpec => {
    const field = `spec.layers[${i}]`;
    if (typeof layer !== 'object' || layer === null)
      throw new TypeError(`${field}: expected { units, activation }, got ${describe(layer)}`);
    for (const key of Object.keys(layer)) {
      if (key !== 'units' && key !== 'activation') throw new TypeError(`${field}.${key}: unknown field`);
    }
    const { units, activation } = layer as Record<string, unknown>;
    positiveInteger(`${field}.units`, units);
    if (!ACTIVATIONS.includes(activation as ActivationName)) {
      throw new TypeError(
        `${field}.activation: expected one of ${ACTIVATIONS.join(', ')}, got ${describe(activation)}`,
      );
    }
    return { units: units as number, activation: activation as ActivationName };
  });
  const seed = s.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new TypeError(`spec.seed: expected an integer, got ${describe(seed)}`);
  const init = s.init ?? 'xavier';
  if (!INITS.includes(init as InitName))
    throw new TypeError(`spec.init: expected one of ${INITS.join(', ')}, got ${describe(init)}`);
  for (const key of Object.keys(s)) {
    if (!['inputs', 'layers', 'seed', 'init'].includes(key))
      throw new TypeError(`spec.${key}: unknown field`);
  }
  return { inputs: s.inputs as number, layers, seed, init: init as InitName };
}

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${field}: expected a positive integer, got ${describe(value)}`);
  }
}

const KEYS = ['format', 'version', 'spec', 'layers'];

/** JSON text parsed, with an error that says it is not JSON. */
export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`loadModel: the text is not JSON (${(error as Error).message})`);
  }
}

/** Checks every field of a saved model: format, version, spec, and each layer's shapes and numbers. */
export function checkModelJSON(json: unknown): { spec: CheckedSpec; layers: ModelJSON['layers'] } {
  plainObject('loadModel: expected a model object', json, KEYS);
  const { format, version, spec: rawSpec, layers } = json as Record<string, unknown>;
  if (format !== 'adjoint.mlp')
    throw new TypeError(`loadModel: format: expected "adjoint.mlp", got ${describe(format)}`);
  if (version !== 1) throw new TypeError(`loadModel: version: expected 1, got ${describe(version)}`);
  plainObject('loadModel: spec: expected { inputs, layers, seed, init }', rawSpec, [
    'inputs',
    'layers',
    'seed',
    'init',
  ]);
  const spec = checkSpec(rawSpec);
  if (!Array.isArray(layers) || layers.length !== spec.layers.length) {
    throw new TypeError(
      `loadModel: layers: expected ${spec.layers.length} layers as the spec says, got ${describe(layers)}`,
    );
  }
  let inputs = spec.inputs;
  layers.forEach((layer: unknown, l) => {
    const units = spec.layers[l]!.units;
    const field = `layers[${l}]`;
    plainObject(`loadModel: ${field}: expected { weight, bias }`, layer, ['weight', 'bias']);
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

/** The same architecture: inputs, and per layer its units and activation. */
export function checkSameArchitecture(op: string, model: CheckedSpec, file: CheckedSpec): void {
  if (model.inputs !== file.inputs)
    throw new TypeError(`${op}: the file's spec.inputs is ${file.inputs}, the model's ${model.inputs}`);
  if (model.layers.length !== file.layers.length)
    throw new TypeError(`${op}: the file has ${file.layers.length} layers, the model ${model.layers.length}`);
  model.layers.forEach((layer, i) => {
    const other = file.layers[i]!;
    if (layer.units !== other.units || layer.activation !== other.activation) {
      throw new TypeError(
        `${op}: layer ${i} is ${other.units} ${other.activation} units in the file, ${layer.units} ${layer.activation} in the model`,
      );
    }
  });
}
