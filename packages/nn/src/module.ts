import {
  checkFloat32,
  checkOptions,
  type DType,
  describe,
  formatShape,
  linear,
  ShapeError,
  Tensor,
  tensor,
} from '@adjoint/autograd';
import { activate } from './activation.js';
import { initialParameters } from './init.js';
import { countParameters, INSPECT, type Model } from './model.js';
import {
  ACTIVATIONS,
  type ActivationName,
  type CheckedSpec,
  checkModelJSON,
  checkSameArchitecture,
  checkSpec,
  type MlpSpec,
  type ModelJSON,
  parseJSON,
} from './spec.js';

/** What every Tensor-engine module provides. */
export interface Module {
  /** The module applied to a batch of inputs. */
  forward(x: Tensor): Tensor;
  /** The trainable tensors: per layer, weight then bias. */
  parameters(): Tensor[];
  /** The same tensors with PyTorch-style names ('0.weight', '0.bias', …). */
  namedParameters(): [string, Tensor][];
}

/** A dense layer: forward(X) = X·Wᵀ + b, with weight [out, in] and bias [out], as in PyTorch. */
export class Linear implements Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  /** Wraps the given weight [out, in] and bias [out]; they become leaves that require grad. */
  constructor(weight: Tensor, bias: Tensor) {
    if (!(weight instanceof Tensor) || weight.ndim !== 2) {
      throw new ShapeError(
        `Linear: expected weight to be a 2-D Tensor [out, in], got ${weight instanceof Tensor ? `shape ${formatShape(weight.shape)}` : describe(weight)}`,
      );
    }
    if (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new ShapeError(
        `Linear: expected bias of shape [${weight.shape[0]}], got ${bias instanceof Tensor ? `${formatShape(bias.shape)}` : describe(bias)}`,
      );
    }
    this.weight = weight;
    this.bias = bias;
    weight.requiresGrad = true;
    bias.requiresGrad = true;
  }

  get inFeatures(): number {
    return this.weight.shape[1]!;
  }

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  /** The module applied to a batch of inputs. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      const got = x instanceof Tensor ? `${formatShape(x.shape)}` : describe(x);
      throw new ShapeError(`Linear: expected input [..., ${this.inFeatures}], got ${got}`);
    }
    if (x.ndim === 1) return this.forward(x.reshape([1, -1])).reshape([this.outFeatures]);
    return linear(x, this.weight, this.bias);
  }

  parameters(): Tensor[] {
    return [this.weight, this.bias];
  }

  /** `Linear(in=2, out=8)`. */
  toString(): string {
    return `Linear(in=${this.inFeatures}, out=${this.outFeatures})`;
  }

  /** @internal How console.log prints it. */
  [INSPECT](): string {
    return this.toString();
  }

  namedParameters(): [string, Tensor][] {
    return [
      ['weight', this.weight],
      ['bias', this.bias],
    ];
  }
}

/** An activation as a module without parameters. */
export class Activation implements Module {
  constructor(readonly name: ActivationName) {
    if (!ACTIVATIONS.includes(name))
      throw new TypeError(`Activation: expected one of ${ACTIVATIONS.join(', ')}, got ${describe(name)}`);
  }

  /** The module applied to a batch of inputs. */
  forward(x: Tensor): Tensor {
    return this.name === 'softmax' ? x.softmax(-1) : activate(x, this.name);
  }

  /** `Activation(tanh)`. */
  toString(): string {
    return `Activation(${this.name})`;
  }

  /** @internal How console.log prints it. */
  [INSPECT](): string {
    return this.toString();
  }

  parameters(): Tensor[] {
    return [];
  }

  namedParameters(): [string, Tensor][] {
    return [];
  }
}

/** Modules applied one after another; parameter names are prefixed with the module's index. */
export class Sequential implements Module, Model<Tensor, Tensor> {
  /** This model computes on Tensors. */
  readonly engine = 'tensor';
  readonly modules: readonly Module[];
  /** The spec this model was built from, when `mlp()` built it. */
  readonly spec: CheckedSpec | undefined;

  constructor(modules: readonly Module[], spec?: CheckedSpec) {
    if (!Array.isArray(modules))
      throw new TypeError(`Sequential: expected an array of modules, got ${describe(modules)}`);
    modules.forEach((m, i) => {
      if (typeof (m as Partial<Module> | null)?.forward !== 'function')
        throw new TypeError(`Sequential: module ${i} is ${describe(m)}, not a module with forward()`);
    });
    this.modules = [...modules];
    this.spec = spec;
  }

  /** The module applied to a batch of inputs. */
  forward(x: Tensor): Tensor {
    return this.modules.reduce((h, module) => module.forward(h), x);
  }

  /** Its modules, one per line, and how many numbers it trains: `Sequential(…), 33 parameters, float64`. */
  toString(): string {
    const lines = this.modules.map((m, i) => `  (${i}): ${String(m)}`);
    const dtype = this.parameters()[0]?.dtype;
    return `Sequential(\n${lines.join('\n')}\n), ${countParameters(this.parameters().reduce((n, p) => n + p.size, 0))}${dtype ? `, ${dtype}` : ''}`;
  }

  /** @internal How console.log prints it. */
  [INSPECT](): string {
    return this.toString();
  }

  /** `forward`: a Tensor model takes the whole batch at once. */
  forwardBatch(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** The targets as they are: the losses pair a Tensor prediction with a Tensor target. */
  targets(y: Tensor): Tensor {
    return y;
  }

  parameters(): Tensor[] {
    return this.modules.flatMap((m) => m.parameters());
  }

  namedParameters(): [string, Tensor][] {
    return this.modules.flatMap((m, i) =>
      m.namedParameters().map(([name, p]): [string, Tensor] => [`${i}.${name}`, p]),
    );
  }

  /** The saved form (see `loadModel`): only a Sequential of Linear layers, each followed by an Activation. */
  toJSON(): ModelJSON {
    const pairs: [Linear, Activation][] = [];
    for (let i = 0; i < this.modules.length; i += 2) {
      const [linear, activation] = [this.modules[i], this.modules[i + 1]];
      if (!(linear instanceof Linear) || !(activation instanceof Activation)) {
        throw new TypeError(
          'toJSON: only a Sequential of Linear layers, each followed by an Activation, can be saved',
        );
      }
      pairs.push([linear, activation]);
    }
    const spec = checkSpec({
      inputs: pairs[0]?.[0].inFeatures,
      layers: pairs.map(([l, a]) => ({ units: l.outFeatures, activation: a.name })),
      seed: this.spec?.seed ?? 0,
      init: this.spec?.init ?? 'xavier',
    });
    const layers = pairs.map(([l]) => ({
      weight: l.weight.toArray() as number[][],
      bias: Array.from(l.bias.data),
    }));
    return { format: 'adjoint.mlp', version: 1, spec, layers };
  }
  /**
   * Loads saved parameters (JSON text or object) into this model. The whole file is checked first, and
   * must describe this architecture, so a failed load throws and leaves every parameter as it was.
   */
  loadState(json: unknown): void {
    const { spec, layers } = checkModelJSON(typeof json === 'string' ? parseJSON(json) : json);
    checkSameArchitecture('loadState', this.toJSON().spec, spec);
    const linears = this.modules.filter((m): m is Linear => m instanceof Linear);
    // narrowing to a float32 model is checked for every parameter before any is written
    linears.forEach((linear, l) => {
      if (linear.weight.dtype !== 'float32') return;
      checkFloat32(
        `loadState: layers[${l}].weight (parameter ${2 * l}.weight), flattened`,
        layers[l]!.weight.flat(),
      );
      checkFloat32(`loadState: layers[${l}].bias (parameter ${2 * l}.bias)`, layers[l]!.bias);
    });
    linears.forEach((linear, l) => {
      linear.weight.data.set(layers[l]!.weight.flat());
      linear.bias.data.set(layers[l]!.bias);
    });
  }
}

/** Options of `mlp` that belong to the Tensor engine, not to the spec. */
export interface MlpOptions {
  /** The parameters' dtype: 'float64' (default) or 'float32', drawn in float64 and rounded. */
  readonly dtype?: DType;
}

/** A multi-layer perceptron on the Tensor engine: per layer a Linear and its Activation. */
export function mlp(spec: MlpSpec, options: MlpOptions = {}): Sequential {
  const checked = checkSpec(spec);
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`mlp: expected options { dtype }, got ${describe(options)}`);
  checkOptions('mlp', options, ['dtype']);
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`mlp: options.dtype: expected 'float32' or 'float64', got ${describe(dtype)}`);
  const modules = initialParameters(checked).flatMap(({ weight, bias, inputs, units }, i) => [
    new Linear(tensor(weight, { shape: [units, inputs], dtype }), tensor(bias, { dtype })),
    new Activation(checked.layers[i]!.activation),
  ]);
  return new Sequential(modules, checked);
}
