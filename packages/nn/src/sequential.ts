import { type DType, internal, ShapeError, Tensor } from '@adjoint/autograd';
import {
  checkModelJSON,
  formatOf,
  type LayerState,
  type ModelJSON,
  type NestedNumbers,
  parseJSON,
} from './formats/json.js';
import type { StateJSON } from './formats/state.js';
import { Activation, Conv2d, Dropout, Linear } from './layers.js';
import { countParameters, INSPECT, type Model } from './model.js';
import { Module } from './module.js';
import {
  type CheckedSpec,
  checkSameArchitecture,
  checkSpec,
  isMlp,
  kindOf,
  type MlpSpec,
  type ModelSpec,
} from './spec.js';
import { modulesOf, specOf } from './translate.js';

const { checkFloat32, checkOptions, describe, formatShape } = internal;

/**
 * Modules applied one after another; parameter names are prefixed with the module's index.
 *
 * @example
 * {@includeCode ../doc-examples/sequential-class.ts}
 */
export class Sequential extends Module implements Model<Tensor, Tensor> {
  readonly modules: readonly Module[];
  /** The spec this model was built from, when `sequential()` or `mlp()` built it. */
  readonly spec: CheckedSpec | undefined;
  constructor(modules: readonly Module[], spec?: CheckedSpec) {
    super();
    if (!Array.isArray(modules))
      throw new TypeError(`Sequential: expected an array of modules, got ${describe(modules)}`);
    modules.forEach((m, i) => {
      if (!(m instanceof Module))
        throw new TypeError(
          `Sequential: module ${i} is ${describe(m)}, not a Module (a layer, or a class extending Module)`,
        );
    });
    this.modules = [...modules];
    this.spec = spec;
  }

  /** The module applied to a batch of inputs: [N, C, H, W] for a spec whose inputs are an image. */
  forward(x: Tensor): Tensor {
    const inputs = this.spec?.inputs;
    if (Array.isArray(inputs) && x instanceof Tensor) {
      if (x.ndim !== 4 || inputs.some((d, i) => x.shape[i + 1] !== d))
        throw new ShapeError(
          `Sequential: expected input [N, ${inputs.join(', ')}], got ${formatShape(x.shape)}`,
        );
    }
    return this.modules.reduce((h, module) => module.forward(h), x);
  }

  /** Its modules, one per line, and how many numbers it trains: `Sequential(…), 33 parameters, float64`. */
  override toString(): string {
    const lines = this.modules.map((m, i) => `  (${i}): ${String(m)}`);
    const dtype = this.parameters()[0]?.dtype;
    return `Sequential(\n${lines.join('\n')}\n), ${countParameters(this.parameters().reduce((n, p) => n + p.size, 0))}${dtype ? `, ${dtype}` : ''}`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }

  /** @internal Its modules, named by their index, as PyTorch's Sequential names them. */
  override members(): [string, unknown][] {
    return this.modules.map((m, i): [string, unknown] => [String(i), m]);
  }

  /**
   * The saved form (see `loadModel`). The spec is read back from the modules: Linear or Conv2d layers,
   * each followed by an Activation, pooling, Flatten and Dropout, as `sequential()` builds them.
   */
  override toJSON(): ModelJSON {
    const spec = specOf(this.modules, this.spec);
    const layers = this.modules.flatMap((m): LayerState[] => {
      if (m instanceof Linear || m instanceof Conv2d)
        return [{ weight: m.weight.toArray() as NestedNumbers, bias: Array.from(m.bias.data) }];
      if (m instanceof Dropout) return [{ rng: m.getState() }];
      return m instanceof Activation ? [] : [{}];
    });
    return { format: formatOf(spec), version: 1, spec, layers };
  }

  /**
   * Loads saved parameters (JSON text or object) into this model. The whole file is checked first, and
   * must describe this architecture, so a failed load throws and leaves every parameter as it was.
   */
  override loadState(json: unknown): void {
    // safetensors bytes, or a StateJSON: by name, as any module loads them
    if (json instanceof Uint8Array || (json as Partial<StateJSON> | null)?.format === 'adjoint.state') {
      super.loadState(json);
      return;
    }
    const { spec, layers } = checkModelJSON(typeof json === 'string' ? parseJSON(json) : json);
    checkSameArchitecture('loadState', specOf(this.modules, this.spec, 'loadState'), spec);
    const saved = [...layers.keys()].filter((l) => layers[l]!.weight !== undefined);
    const targets = this.modules.filter(
      (m): m is Linear | Conv2d => m instanceof Linear || m instanceof Conv2d,
    );
    const numbers = saved.map((l) => ({
      weight: (layers[l]!.weight as unknown[]).flat(3) as number[],
      bias: layers[l]!.bias!,
    }));
    // narrowing to a float32 model is checked for every parameter before any is written
    targets.forEach((layer, k) => {
      if (layer.weight.dtype !== 'float32') return;
      const [l, index] = [saved[k], this.modules.indexOf(layer)];
      checkFloat32(
        `loadState: layers[${l}].weight (parameter ${index}.weight), flattened`,
        numbers[k]!.weight,
      );
      checkFloat32(`loadState: layers[${l}].bias (parameter ${index}.bias)`, numbers[k]!.bias);
    });
    targets.forEach((layer, k) => {
      layer.weight.data.set(numbers[k]!.weight);
      layer.bias.data.set(numbers[k]!.bias);
    });
    // the dropout layers' generators, where the file has them (checked with the rest)
    const dropouts = this.modules.filter((m): m is Dropout => m instanceof Dropout);
    const states = layers.filter((_, l) => kindOf(spec.layers[l]!) === 'dropout');
    dropouts.forEach((layer, k) => {
      const rng = states[k]?.rng;
      if (rng !== undefined) layer.setState(rng);
    });
  }
}

/** Options of `sequential` and `mlp` that belong to the Tensor engine, not to the spec. */
export interface MlpOptions {
  /** The parameters' dtype: 'float64' (default; float32 on a GPU) or 'float32', drawn in float64 and rounded. */
  readonly dtype?: DType;
  /** Where the parameters live: 'cpu' (default) or 'webgpu' (after `await webgpu()`); see `Module.to`. */
  readonly device?: string;
}

/**
 * A network on the Tensor engine, from its spec: each dense layer as a Linear and its Activation, each
 * convolution as a Conv2d and its Activation, then the pooling, Flatten and Dropout modules, in order.
 *
 * @example
 * {@includeCode ../doc-examples/sequential.ts}
 */
export function sequential(spec: ModelSpec, options: MlpOptions = {}): Sequential {
  return build('sequential', checkSpec(spec), options);
}

/**
 * A multi-layer perceptron on the Tensor engine: per layer a Linear and its Activation.
 *
 * @example
 * {@includeCode ../doc-examples/mlp.ts}
 */
export function mlp(spec: MlpSpec, options: MlpOptions = {}): Sequential {
  const checked = checkSpec(spec);
  if (!isMlp(checked)) {
    const i = checked.layers.findIndex((l) => kindOf(l) !== 'dense');
    throw new TypeError(
      i < 0
        ? 'mlp: spec.inputs is an image; an MLP takes a number of features (build a convolutional network with sequential(spec))'
        : `mlp: spec.layers[${i}] is a ${kindOf(checked.layers[i]!)} layer; an MLP has dense layers only (build it with sequential(spec))`,
    );
  }
  return build('mlp', checked, options);
}

function build(op: string, spec: CheckedSpec, options: MlpOptions): Sequential {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${op}: expected options { dtype, device }, got ${describe(options)}`);
  checkOptions(op, options, ['dtype', 'device']);
  const device = options.device ?? 'cpu';
  const dtype = options.dtype ?? (device === 'cpu' ? 'float64' : 'float32');
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`${op}: options.dtype: expected 'float32' or 'float64', got ${describe(dtype)}`);
  const model = new Sequential(modulesOf(spec, dtype), spec);
  return device === 'cpu' ? model : model.to(device);
}
