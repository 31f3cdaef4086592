import { Value } from '@adjoint/autograd';
import { activate, softmaxValues } from './activation';
import { initialParameters } from './init';
import { type ActivationName, type CheckedSpec, checkSpec, kind, type MlpSpec, type ModelJSON } from './spec';

/** One neuron of seeds 000 and 001: y = f(Σ wᵢ xᵢ + b). */
export class Neuron {
  constructor(
    readonly w: Value[],
    readonly b: Value,
    /** softmax is applied by the layer, across its neurons; a neuron in such a layer is linear. */
    readonly activation: Exclude<ActivationName, 'softmax'> = 'linear',
  ) {}

  forward(x: readonly (Value | number)[]): Value {
    if (x.length !== this.w.length)
      throw new RangeError(`Neuron: expected ${this.w.length} inputs, got ${x.length}`);
    const z = Value.sum([...this.w.map((wi, i) => wi.mul(x[i]!)), this.b]);
    return activate(z, this.activation);
  }

  parameters(): Value[] {
    return [...this.w, this.b];
  }
}

/** A layer of neurons that share their inputs. */
export class Layer {
  constructor(
    readonly neurons: Neuron[],
    readonly activation: ActivationName,
  ) {}

  forward(x: readonly (Value | number)[]): Value[] {
    const out = this.neurons.map((n) => n.forward(x));
    return this.activation === 'softmax' ? softmaxValues(out) : out;
  }

  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }
}

/** micrograd's MLP: layers of neurons over Values, one sample at a time. */
export class MLP {
  readonly spec: CheckedSpec;
  readonly layers: Layer[];

  constructor(layers: Layer[], spec: CheckedSpec) {
    this.layers = layers;
    this.spec = spec;
  }

  /** One sample's outputs. */
  forward(x: readonly (Value | number)[]): Value[] {
    if (!Array.isArray(x) || x.length !== this.spec.inputs) {
      throw new RangeError(`MLP: expected a sample of ${this.spec.inputs} inputs, got ${kind(x)}`);
    }
    return this.layers.reduce<readonly (Value | number)[]>((h, layer) => layer.forward(h), x) as Value[];
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
}

/** A multi-layer perceptron on the scalar engine; the same spec and seed give `mlp`'s parameters. */
export function scalarMlp(spec: MlpSpec): MLP {
  const checked = checkSpec(spec);
  const layers = initialParameters(checked).map(({ weight, bias, inputs, units }, l) => {
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
  return new MLP(layers, checked);
}
