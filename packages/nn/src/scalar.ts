import { internal, type Tensor, Value } from '@adjoint/autograd';
import { activate, softmaxValues } from './activation.js';
import { checkModelJSON, type ModelJSON, parseJSON } from './formats/json.js';
import { initialParameters } from './init.js';
import { countParameters, INSPECT, type Model } from './model.js';
import {
  ACTIVATIONS,
  type ActivationName,
  type CheckedMlpSpec,
  checkSameArchitecture,
  checkSpec,
  isMlp,
  kindOf,
  type MlpSpec,
} from './spec.js';

const { describe } = internal;

/** One neuron of notes 000 and 001: y = f(Σ wᵢ xᵢ + b). */
export class Neuron {
  constructor(
    readonly w: Value[],
    readonly b: Value,
    /** softmax is applied by the layer, across its neurons; a neuron in such a layer is linear. */
    readonly activation: Exclude<ActivationName, 'softmax'> = 'linear',
  ) {
    if (!Array.isArray(w) || w.length === 0 || !w.every((wi) => wi instanceof Value)) {
      throw new TypeError(`Neuron: expected w to be a non-empty array of Values, got ${describe(w)}`);
    }
    if (!(b instanceof Value)) throw new TypeError(`Neuron: expected b to be a Value, got ${describe(b)}`);
    if (!ACTIVATIONS.includes(activation) || (activation as ActivationName) === 'softmax') {
      throw new TypeError(`Neuron: expected an elementwise activation, got ${describe(activation)}`);
    }
  }

  /** The neuron's output for one sample: f(Σ wᵢ xᵢ + b). */
  forward(x: readonly (Value | number)[]): Value {
    checkSample('Neuron', x, this.w.length);
    const terms = new Array<Value>(this.w.length + 1);
    for (let i = 0; i < this.w.length; i++) terms[i] = this.w[i]!.mul(x[i]!);
    terms[this.w.length] = this.b;
    const z = Value.sum(terms);
    return activate(z, this.activation);
  }

  /** The trainable Values: w then b, neuron by neuron. */
  parameters(): Value[] {
    return [...this.w, this.b];
  }
}

/** A layer of neurons that share their inputs. */
export class Layer {
  constructor(
    readonly neurons: Neuron[],
    readonly activation: ActivationName,
  ) {
    if (!Array.isArray(neurons) || neurons.length === 0 || !neurons.every((n) => n instanceof Neuron)) {
      throw new TypeError(`Layer: expected a non-empty array of Neurons, got ${describe(neurons)}`);
    }
    if (!ACTIVATIONS.includes(activation))
      throw new TypeError(`Layer: expected one of ${ACTIVATIONS.join(', ')}, got ${describe(activation)}`);
  }

  /** The layer's outputs for one sample. */
  forward(x: readonly (Value | number)[]): Value[] {
    const out = this.neurons.map((n) => n.forward(x));
    return this.activation === 'softmax' ? softmaxValues(out) : out;
  }

  /** The trainable Values: w then b, neuron by neuron. */
  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }
}

/** micrograd's MLP on the scalar engine: layers of neurons over Values, one sample at a time. */
export class ScalarMLP implements Model<Value[][], number[][]> {
  /** This model computes on Values. */
  readonly engine = 'scalar';
  readonly spec: CheckedMlpSpec;
  readonly layers: Layer[];
  /** Always true: no layer of an MLP behaves differently in evaluation mode; kept for `Model`. */
  training = true;

  constructor(layers: Layer[], spec: CheckedMlpSpec) {
    if (!Array.isArray(layers) || layers.length === 0 || !layers.every((l) => l instanceof Layer)) {
      throw new TypeError(`ScalarMLP: expected a non-empty array of Layers, got ${describe(layers)}`);
    }
    this.layers = layers;
    this.spec = spec;
  }

  /** Sets the mode (it changes nothing here: an MLP has no dropout); returns the model. */
  train(mode = true): this {
    if (typeof mode !== 'boolean')
      throw new TypeError(`train: expected a boolean mode, got ${describe(mode)}`);
    this.training = mode;
    return this;
  }

  /** Sets evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** One sample's outputs. */
  forward(x: readonly (Value | number)[]): Value[] {
    checkSample('ScalarMLP', x, this.spec.inputs);
    return this.layers.reduce<readonly (Value | number)[]>((h, layer) => layer.forward(h), x) as Value[];
  }

  /** Each row of `x` [N, inputs] through the network: N rows of outputs. */
  forwardBatch(x: Tensor): Value[][] {
    return rowsOf(x).map((sample) => this.forward(sample));
  }

  /** The rows of `y` ([N] or [N, outputs]) as rows of numbers, matching `forwardBatch`. */
  targets(y: Tensor): number[][] {
    return rowsOf(y.ndim === 1 ? y.reshape([y.size, 1]) : y);
  }

  /** The layers, as the spec declares them: `ScalarMLP(2 → 16 relu → 1 linear), 65 parameters`. */
  toString(): string {
    const layers = this.spec.layers.map((l) => `${l.units} ${l.activation}`).join(' → ');
    return `ScalarMLP(${this.spec.inputs} → ${layers}), ${countParameters(this.parameters().length)}`;
  }

  /** @internal How console.log prints it. */
  [INSPECT](): string {
    return this.toString();
  }

  /** Per layer, per neuron, w then b: micrograd's order. */
  parameters(): Value[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Names like '0.2.w1' (layer 0, neuron 2, weight 1) and '0.2.b'. */
  namedParameters(): [string, Value][] {
    return this.layers.flatMap((layer, l) =>
      layer.neurons.flatMap((n, j) => [
        ...n.w.map((wi, i): [string, Value] => [`${l}.${j}.w${i}`, wi]),
        [`${l}.${j}.b`, n.b] as [string, Value],
      ]),
    );
  }

  /** The saved form (see `loadModel`); row j of a layer's weight is neuron j's w, as in `Linear`. */
  toJSON(): ModelJSON {
    const layers = this.layers.map((layer) => ({
      weight: layer.neurons.map((n) => n.w.map((w) => w.data)),
      bias: layer.neurons.map((n) => n.b.data),
    }));
    return { format: 'adjoint.mlp', version: 1, spec: this.spec, layers };
  }

  /**
   * Loads saved parameters (JSON text or object) into this model. The whole file is checked first, and
   * must describe this architecture, so a failed load throws and leaves every parameter as it was.
   */
  loadState(json: unknown): void {
    const { spec, layers } = checkModelJSON(typeof json === 'string' ? parseJSON(json) : json);
    checkSameArchitecture('loadState', this.spec, spec);
    this.layers.forEach((layer, l) => {
      const weight = layers[l]!.weight as number[][];
      layer.neurons.forEach((n, j) => {
        n.w.forEach((w, i) => {
          w.data = weight[j]![i]!;
        });
        n.b.data = layers[l]!.bias![j]!;
      });
    });
  }
}

/** A multi-layer perceptron on the scalar engine; the same spec and seed give `mlp`'s parameters. */
export function scalarMlp(spec: MlpSpec): ScalarMLP {
  const checked = checkSpec(spec);
  if (!isMlp(checked)) {
    const i = checked.layers.findIndex((l) => kindOf(l) !== 'dense');
    throw new TypeError(
      i < 0
        ? 'scalarMlp: spec.inputs is an image; the scalar engine builds MLPs, which take a number of features'
        : `scalarMlp: spec.layers[${i}] is a ${kindOf(checked.layers[i]!)} layer; the scalar engine builds dense layers only (build this model with sequential(spec))`,
    );
  }
  const layers = initialParameters(checked).map((p, l) => {
    const { weight, bias, shape } = p!;
    const [units, inputs] = shape as [number, number];
    const activation = checked.layers[l]!.activation;
    const neuronActivation = activation === 'softmax' ? 'linear' : activation;
    const neurons = Array.from({ length: units }, (_, j) => {
      const w = Array.from(
        { length: inputs },
        (_, i) => new Value(weight[j * inputs + i]!, `w${l}.${j}.${i}`),
      );
      return new Neuron(w, new Value(bias[j]!, `b${l}.${j}`), neuronActivation);
    });
    return new Layer(neurons, activation);
  });
  return new ScalarMLP(layers, checked);
}

/** One sample's inputs: `count` finite numbers or Values. */
function checkSample(op: string, x: unknown, count: number): void {
  if (!Array.isArray(x) || x.length !== count)
    throw new RangeError(`${op}: expected a sample of ${count} inputs, got ${describe(x)}`);
  x.forEach((xi, i) => {
    if (!(xi instanceof Value) && !(typeof xi === 'number' && Number.isFinite(xi))) {
      throw new TypeError(`${op}: input ${i} is ${describe(xi)}, not a number or a Value`);
    }
  });
}

/** The rows of a tensor [N, …] as arrays of numbers. */
function rowsOf(t: Tensor): number[][] {
  const width = t.size / t.shape[0]!;
  return Array.from({ length: t.shape[0]! }, (_, i) =>
    Array.from(t.data.subarray(i * width, (i + 1) * width)),
  );
}
