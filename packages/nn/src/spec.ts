import type { Pair } from '@adjoint/autograd';
import { internal } from '@adjoint/autograd';

const { describe, formatShape, MAX_ELEMENTS } = internal;
/** The activations a layer may apply; `softmax` runs across the layer's outputs. */
export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax'] as const;
/** The name of a layer activation. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * How weights are drawn: micrograd's uniform(-1, 1), Xavier/Glorot uniform, He (Kaiming) normal, or
 * 'kaiming', PyTorch's default for nn.Linear and nn.Conv2d: weight and bias uniform(±1/√fan_in).
 */
export const INITS = ['uniform', 'xavier', 'he', 'kaiming'] as const;
/** The name of a weight initializer. */
export type InitName = (typeof INITS)[number];

/** The layer kinds a spec may declare; a layer without `kind` is dense. */
export const LAYER_KINDS = ['dense', 'conv', 'maxPool', 'avgPool', 'flatten', 'dropout'] as const;
/** The name of a layer kind. */
export type LayerKind = (typeof LAYER_KINDS)[number];

/**
 * A dense layer (`kind` may be left out): how many units, and the activation applied to them; without
 * one it is linear, as PyTorch's `Linear` and Keras's `Dense`.
 */
export interface DenseSpec {
  readonly kind?: 'dense';
  readonly units: number;
  readonly activation?: ActivationName;
}

/** A 2-D convolution with a bias per filter, then an elementwise activation; options as `conv2d`'s. */
export interface ConvSpec {
  readonly kind: 'conv';
  /** Output channels. */
  readonly filters: number;
  readonly kernel: Pair;
  readonly stride?: Pair;
  readonly padding?: Pair;
  readonly dilation?: Pair;
  readonly groups?: number;
  /** Default 'linear'; softmax is not elementwise and is refused here. */
  readonly activation?: Exclude<ActivationName, 'softmax'>;
}

/** Max or average pooling; the stride defaults to the kernel, the padding to 0. */
export interface PoolSpec {
  readonly kind: 'maxPool' | 'avgPool';
  readonly kernel: Pair;
  readonly stride?: Pair;
  readonly padding?: Pair;
}

/** [C, H, W] per sample merged into [C·H·W], as `x.flatten(1)`. */
export interface FlattenSpec {
  readonly kind: 'flatten';
}

/** Zeroes each input with probability `rate` while training and scales the rest by 1/(1 − rate). */
export interface DropoutSpec {
  readonly kind: 'dropout';
  /** In [0, 1): PyTorch's p. */
  readonly rate: number;
}

/** One layer of a spec. */
export type LayerSpec = DenseSpec | ConvSpec | PoolSpec | FlattenSpec | DropoutSpec;

/**
 * A network, declared once: `sequential(spec)` builds it on Tensors, and an all-dense spec (an
 * `MlpSpec`) also builds on Values with `scalarMlp(spec)`, with the same initial parameters for the
 * same `seed`. `inputs` is a number of features, or [channels, height, width] for a convolution.
 */
export interface ModelSpec {
  readonly inputs: number | readonly [number, number, number];
  readonly layers: readonly LayerSpec[];
  /** Seeds the initial weights and the dropout masks. Default 0. */
  readonly seed?: number;
  /**
   * Default 'xavier' (biases at 0), or 'kaiming' when the spec has a convolution, PyTorch's default.
   * For a convolution, fan_in is (C / groups)·kH·kW and fan_out (filters / groups)·kH·kW.
   */
  readonly init?: InitName;
}

/** A multi-layer perceptron: features in, dense layers only; what both engines build. */
export interface MlpSpec extends ModelSpec {
  readonly inputs: number;
  readonly layers: readonly DenseSpec[];
}

/** A pair option as checked: [h, w]. */
export type CheckedPair = readonly [number, number];

/** A layer with every default filled in and every pair as [h, w]. */
export type CheckedLayer =
  | { readonly units: number; readonly activation: ActivationName }
  | {
      readonly kind: 'conv';
      readonly filters: number;
      readonly kernel: CheckedPair;
      readonly stride: CheckedPair;
      readonly padding: CheckedPair;
      readonly dilation: CheckedPair;
      readonly groups: number;
      readonly activation: Exclude<ActivationName, 'softmax'>;
    }
  | {
      readonly kind: 'maxPool' | 'avgPool';
      readonly kernel: CheckedPair;
      readonly stride: CheckedPair;
      readonly padding: CheckedPair;
    }
  | FlattenSpec
  | DropoutSpec;

/** A spec with every default filled in. */
export interface CheckedSpec {
  readonly inputs: number | readonly [number, number, number];
  readonly layers: readonly CheckedLayer[];
  readonly seed: number;
  readonly init: InitName;
}

/** An all-dense spec, checked: what the scalar engine builds. */
export interface CheckedMlpSpec extends CheckedSpec {
  readonly inputs: number;
  readonly layers: readonly { readonly units: number; readonly activation: ActivationName }[];
}

/** A checked layer's kind. */
export function kindOf(layer: CheckedLayer | LayerSpec): LayerKind {
  return 'kind' in layer && layer.kind !== undefined ? layer.kind : 'dense';
}

/** Whether every layer is dense and the inputs are features: a spec both engines build. */
export function isMlp(spec: CheckedSpec): spec is CheckedMlpSpec {
  return typeof spec.inputs === 'number' && spec.layers.every((l) => kindOf(l) === 'dense');
}

const FIELDS: Record<LayerKind, readonly string[]> = {
  dense: ['kind', 'units', 'activation'],
  conv: ['kind', 'filters', 'kernel', 'stride', 'padding', 'dilation', 'groups', 'activation'],
  maxPool: ['kind', 'kernel', 'stride', 'padding'],
  avgPool: ['kind', 'kernel', 'stride', 'padding'],
  flatten: ['kind'],
  dropout: ['kind', 'rate'],
};

/** The fields of a spec. */
const SPEC_FIELDS = ['inputs', 'layers', 'seed', 'init'] as const;

/** Throws for a field `key` of `field` that is not `allowed`, with the closest name and the list. */
function checkField(field: string, key: string, allowed: readonly string[], what = ''): void {
  if (allowed.includes(key)) return;
  const guess = internal.closest(key, allowed);
  throw new TypeError(
    `${field}.${key}: unknown field${what === '' ? '' : ` ${what}`}` +
      `${guess === undefined ? '' : `; did you mean '${guess}'?`} (fields: ${allowed.join(', ')})`,
  );
}

/** Checks a spec (it may come from JSON) and fills in defaults; throws an Error naming the bad field. */
export function checkSpec(spec: unknown): CheckedSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec: expected an object like { inputs, layers }, got ${describe(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) checkField('spec', key, SPEC_FIELDS);
  let inputs: CheckedSpec['inputs'];
  if (Array.isArray(s.inputs)) {
    if (s.inputs.length !== 3) {
      throw new TypeError(
        `spec.inputs: expected a number of features or [channels, height, width], got ${describe(s.inputs)}`,
      );
    }
    for (const [i, d] of s.inputs.entries()) positiveInteger(`spec.inputs[${i}]`, d);
    inputs = [...s.inputs] as [number, number, number];
  } else {
    positiveInteger('spec.inputs', s.inputs);
    inputs = s.inputs as number;
  }
  if (!Array.isArray(s.layers) || s.layers.length === 0) {
    throw new TypeError(
      `spec.layers: expected a non-empty array of { units, activation } or { kind, … }, got ${describe(s.layers)}`,
    );
  }
  const layers = s.layers.map((layer: unknown, i: number) => checkLayer(`spec.layers[${i}]`, layer));
  const seed = s.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new TypeError(`spec.seed: expected an integer, got ${describe(seed)}`);
  const init = s.init ?? (layers.some((l) => kindOf(l) === 'conv') ? 'kaiming' : 'xavier');
  if (!INITS.includes(init as InitName))
    throw new TypeError(`spec.init: expected one of ${INITS.join(', ')}, got ${describe(init)}`);
  const checked: CheckedSpec = { inputs, layers, seed, init: init as InitName };
  shapesOf(checked); // throws on a layer that does not fit what comes before it
  return checked;
}

function checkLayer(field: string, layer: unknown): CheckedLayer {
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer))
    throw new TypeError(`${field}: expected { units, activation } or { kind, … }, got ${describe(layer)}`);
  const l = layer as Record<string, unknown>;
  const kind = (l.kind ?? 'dense') as LayerKind;
  if (!LAYER_KINDS.includes(kind))
    throw new TypeError(`${field}.kind: expected one of ${LAYER_KINDS.join(', ')}, got ${describe(l.kind)}`);
  for (const key of Object.keys(l)) checkField(field, key, FIELDS[kind], `of a ${kind} layer`);
  const activation = (allowed: readonly string[]) => {
    const a = l.activation ?? 'linear';
    if (!allowed.includes(a as string))
      throw new TypeError(`${field}.activation: expected one of ${allowed.join(', ')}, got ${describe(a)}`);
    return a as ActivationName;
  };
  switch (kind) {
    case 'dense':
      positiveInteger(`${field}.units`, l.units);
      return { units: l.units as number, activation: activation(ACTIVATIONS) };
    case 'conv': {
      positiveInteger(`${field}.filters`, l.filters);
      const groups = l.groups ?? 1;
      positiveInteger(`${field}.groups`, groups);
      return {
        kind,
        filters: l.filters as number,
        kernel: pair(`${field}.kernel`, l.kernel, 1),
        stride: pair(`${field}.stride`, l.stride ?? 1, 1),
        padding: pair(`${field}.padding`, l.padding ?? 0, 0),
        dilation: pair(`${field}.dilation`, l.dilation ?? 1, 1),
        groups: groups as number,
        activation: activation(ACTIVATIONS.filter((a) => a !== 'softmax')) as Exclude<
          ActivationName,
          'softmax'
        >,
      };
    }
    case 'maxPool':
    case 'avgPool': {
      const kernel = pair(`${field}.kernel`, l.kernel, 1);
      const padding = pair(`${field}.padding`, l.padding ?? 0, 0);
      if (padding.some((p, i) => 2 * p > kernel[i]!))
        throw new RangeError(
          `${field}.padding: ${padding.join('×')} is more than half the kernel ${kernel.join('×')}`,
        );
      return { kind, kernel, stride: pair(`${field}.stride`, l.stride ?? kernel, 1), padding };
    }
    case 'flatten':
      return { kind };
    case 'dropout': {
      const rate = l.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
        throw new RangeError(`${field}.rate: expected a probability in [0, 1), got ${describe(rate)}`);
      return { kind, rate };
    }
  }
}

/**
 * The shape of one sample after each layer of `spec` ([features] or [channels, height, width]), e.g.
 * [[8, 28, 28], [8, 14, 14], [1568], [10]]; the spec is checked first, as `checkSpec` does.
 */
export function layerShapes(spec: ModelSpec): number[][] {
  return shapesOf(checkSpec(spec));
}

/** @internal `layerShapes` of a checked spec; throws naming a layer that does not fit what comes before it. */
export function shapesOf(spec: CheckedSpec): number[][] {
  let shape: number[] = typeof spec.inputs === 'number' ? [spec.inputs] : [...spec.inputs];
  return spec.layers.map((layer, i) => {
    const field = `spec.layers[${i}]`;
    const kind = kindOf(layer);
    const image = () => {
      if (shape.length !== 3)
        throw new TypeError(
          `${field}: a ${kind} layer takes [channels, height, width] per sample, and gets ${formatShape(shape)}`,
        );
      return shape as [number, number, number];
    };
    if ('units' in layer) {
      if (shape.length !== 1)
        throw new TypeError(
          `${field}: a dense layer takes features, and gets ${formatShape(shape)} per sample; put { kind: 'flatten' } before it`,
        );
      weightSize(`${field}.units`, [layer.units, shape[0]!]);
      shape = [layer.units];
    } else if (layer.kind === 'conv') {
      const [c, h, w] = image();
      const { filters, groups, kernel } = layer;
      if (c % groups !== 0 || filters % groups !== 0)
        throw new TypeError(
          `${field}.groups: ${groups} groups must divide the ${c} input channels and the ${filters} filters`,
        );
      weightSize(`${field}.filters`, [filters, c / groups, kernel[0], kernel[1]]);
      shape = [filters, ...outputSize(field, [h, w], layer)];
    } else if (layer.kind === 'maxPool' || layer.kind === 'avgPool') {
      const [c, h, w] = image();
      shape = [c, ...outputSize(field, [h, w], { ...layer, dilation: [1, 1] })];
    } else if (layer.kind === 'flatten') {
      shape = [shape.reduce((n, d) => n * d, 1)];
    }
    return shape;
  });
}

/** The output size of a window over [h, w], as PyTorch documents it: ⌊(h + 2p − d(k − 1) − 1) / s⌋ + 1. */
function outputSize(
  field: string,
  [h, w]: readonly [number, number],
  o: { kernel: CheckedPair; stride: CheckedPair; padding: CheckedPair; dilation: CheckedPair },
): [number, number] {
  const size = (n: number, a: 0 | 1) =>
    Math.floor((n + 2 * o.padding[a] - o.dilation[a] * (o.kernel[a] - 1) - 1) / o.stride[a]) + 1;
  const out: [number, number] = [size(h, 0), size(w, 1)];
  if (out[0] < 1 || out[1] < 1)
    throw new RangeError(
      `${field}: the output would be ${out.join('×')}: its input ${h}×${w} is smaller than the kernel ${o.kernel.join('×')} (dilation ${o.dilation.join('×')}, padding ${o.padding.join('×')})`,
    );
  return out;
}

function weightSize(field: string, shape: readonly number[]): void {
  const size = shape.reduce((n, d) => n * d, 1);
  if (size > MAX_ELEMENTS)
    throw new RangeError(
      `${field}: a weight of ${shape.join(' × ')} = ${size} elements; a tensor holds at most ${MAX_ELEMENTS}`,
    );
}

function pair(field: string, value: unknown, min: number): CheckedPair {
  const both = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(both) || both.length !== 2 || !both.every((v) => Number.isSafeInteger(v) && v >= min))
    throw new TypeError(
      `${field}: expected an integer ≥ ${min} or an [h, w] pair of them, got ${describe(value)}`,
    );
  return [both[0], both[1]];
}

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${field}: expected a positive integer, got ${describe(value)}`);
  }
}

/** The same architecture: inputs, and every layer with every option. */
export function checkSameArchitecture(op: string, model: CheckedSpec, file: CheckedSpec): void {
  if (JSON.stringify(model.inputs) !== JSON.stringify(file.inputs))
    throw new TypeError(
      `${op}: the file's spec.inputs is ${JSON.stringify(file.inputs)}, the model's ${JSON.stringify(model.inputs)}`,
    );
  if (model.layers.length !== file.layers.length)
    throw new TypeError(`${op}: the file has ${file.layers.length} layers, the model ${model.layers.length}`);
  model.layers.forEach((layer, i) => {
    const other = file.layers[i]!;
    if (JSON.stringify(layer) !== JSON.stringify(other)) {
      const say = (l: CheckedLayer) => ('units' in l ? `${l.units} ${l.activation}` : JSON.stringify(l));
      const units = 'units' in other ? ' units' : '';
      throw new TypeError(
        `${op}: layer ${i} is ${say(other)}${units} in the file, ${say(layer)} in the model`,
      );
    }
  });
}
