/** The activations a layer may apply; `softmax` runs across the layer's outputs. */
export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** How weights are drawn: micrograd's uniform(-1, 1), Xavier/Glorot uniform, or He (Kaiming) normal. */
export const INITS = ['uniform', 'xavier', 'he'] as const;
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
    throw new TypeError(`spec: expected an object like { inputs, layers }, got ${kind(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  positiveInteger('spec.inputs', s.inputs);
  if (!Array.isArray(s.layers) || s.layers.length === 0) {
    throw new TypeError(
      `spec.layers: expected a non-empty array of { units, activation }, got ${kind(s.layers)}`,
    );
  }
  const layers = s.layers.map((layer: unknown, i: number): LayerSpec => {
    const field = `spec.layers[${i}]`;
    if (typeof layer !== 'object' || layer === null)
      throw new TypeError(`${field}: expected { units, activation }, got ${kind(layer)}`);
    const { units, activation } = layer as Record<string, unknown>;
    positiveInteger(`${field}.units`, units);
    if (!ACTIVATIONS.includes(activation as ActivationName)) {
      throw new TypeError(
        `${field}.activation: expected one of ${ACTIVATIONS.join(', ')}, got ${kind(activation)}`,
      );
    }
    return { units: units as number, activation: activation as ActivationName };
  });
  const seed = s.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new TypeError(`spec.seed: expected an integer, got ${kind(seed)}`);
  const init = s.init ?? 'xavier';
  if (!INITS.includes(init as InitName))
    throw new TypeError(`spec.init: expected one of ${INITS.join(', ')}, got ${kind(init)}`);
  for (const key of Object.keys(s)) {
    if (!['inputs', 'layers', 'seed', 'init'].includes(key))
      throw new TypeError(`spec.${key}: unknown field`);
  }
  return { inputs: s.inputs as number, layers, seed, init: init as InitName };
}

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${field}: expected a positive integer, got ${kind(value)}`);
  }
}

/** A value as an error message shows it. */
export function kind(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
