import { internal, linear, Rng, type RngState, ShapeError, sideEffect, Tensor } from '@adjoint/autograd';
import { activate } from './activation.js';
import { INSPECT } from './model.js';
import { Module } from './module.js';
import { type BlockOptions, generator, make, positive } from './parameters.js';
import { ACTIVATIONS, type ActivationName } from './spec.js';

const { checkOptions, describe, formatShape } = internal;

// Every layer of the Tensor engine, each as PyTorch's module of the same name, so a Sequential of them
// has PyTorch's state_dict names ('0.weight' for the first dense or convolutional layer).

/** A dense layer: forward(X) = X·Wᵀ + b, with weight [out, in] and bias [out], as in PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  /**
   * `new Linear(inFeatures, outFeatures, { rng | seed, dtype })`: a layer of that size initialised as
   * PyTorch's nn.Linear (weight, then bias, each uniform in ±1/√inFeatures, drawn from the generator);
   * or `new Linear(weight, bias)`: wraps a weight [out, in] and bias [out], which become leaves that
   * require grad.
   */
  constructor(inFeatures: number, outFeatures: number, options?: BlockOptions);
  constructor(weight: Tensor, bias: Tensor);
  constructor(first: Tensor | number, second: Tensor | number, options: BlockOptions = {}) {
    super();
    let [weight, bias] = [first, second];
    if (typeof first === 'number' || typeof second === 'number') {
      checkOptions('Linear', options, ['rng', 'seed', 'dtype']);
      const [inputs, outputs] = [
        positive('Linear', 'inFeatures', first),
        positive('Linear', 'outFeatures', second),
      ];
      const rng = generator('Linear', options);
      const bound = 1 / Math.sqrt(inputs);
      const draw = () => bound * (2 * rng.uniform() - 1);
      [weight, bias] = [
        make([outputs, inputs], draw, true, options.dtype),
        make([outputs], draw, true, options.dtype),
      ];
    }
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

  /** `Linear(in=2, out=8)`. */
  override toString(): string {
    return `Linear(in=${this.inFeatures}, out=${this.outFeatures})`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}

/** An activation as a module without parameters. */
export class Activation extends Module {
  constructor(readonly name: ActivationName) {
    super();
    if (!ACTIVATIONS.includes(name))
      throw new TypeError(`Activation: expected one of ${ACTIVATIONS.join(', ')}, got ${describe(name)}`);
  }

  /** The module applied to a batch of inputs. */
  forward(x: Tensor): Tensor {
    return this.name === 'softmax' ? x.softmax(-1) : activate(x, this.name);
  }

  /** `Activation(tanh)`. */
  override toString(): string {
    return `Activation(${this.name})`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}

/** Options of a Conv2d module: conv2d's, checked pairs. */
export interface Conv2dLayerOptions {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** A 2-D convolution plus a bias per output channel: weight [O, C / groups, kH, kW], bias [O]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly options: Conv2dLayerOptions;

  /** Wraps the given weight and bias; they become leaves that require grad. */
  constructor(weight: Tensor, bias: Tensor, options: Partial<Conv2dLayerOptions> = {}) {
    super();
    if (!(weight instanceof Tensor) || weight.ndim !== 4)
      throw new ShapeError(
        `Conv2d: expected weight to be a 4-D Tensor [O, C / groups, kH, kW], got ${weight instanceof Tensor ? `shape ${formatShape(weight.shape)}` : describe(weight)}`,
      );
    if (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])
      throw new ShapeError(
        `Conv2d: expected bias of shape [${weight.shape[0]}], got ${bias instanceof Tensor ? formatShape(bias.shape) : describe(bias)}`,
      );
    if (bias.dtype !== weight.dtype)
      throw new TypeError(`Conv2d: the weight is ${weight.dtype} and the bias ${bias.dtype}`);
    this.weight = weight;
    this.bias = bias;
    this.options = {
      stride: options.stride ?? [1, 1],
      padding: options.padding ?? [0, 0],
      dilation: options.dilation ?? [1, 1],
      groups: options.groups ?? 1,
    };
    weight.requiresGrad = true;
    bias.requiresGrad = true;
  }

  /** Input channels. */
  get inChannels(): number {
    return this.weight.shape[1]! * this.options.groups;
  }

  /** Output channels (filters). */
  get outChannels(): number {
    return this.weight.shape[0]!;
  }

  /** The kernel's [height, width]. */
  get kernel(): [number, number] {
    return [this.weight.shape[2]!, this.weight.shape[3]!];
  }

  /** conv2d(x, weight) + bias, for x [N, C, H, W]. */
  forward(x: Tensor): Tensor {
    const y = x.conv2d(this.weight, this.options);
    return y.add(this.bias.reshape([this.outChannels, 1, 1]));
  }

  /** `Conv2d(1, 8, kernel=3×3, stride=1×1, padding=1×1)`. */
  override toString(): string {
    const { stride, padding, dilation, groups } = this.options;
    const extra = [
      dilation.some((d) => d !== 1) ? `, dilation=${dilation.join('×')}` : '',
      groups !== 1 ? `, groups=${groups}` : '',
    ].join('');
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel=${this.kernel.join('×')}, stride=${stride.join('×')}, padding=${padding.join('×')}${extra})`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}

/** Max or average pooling over windows of each channel, as `x.maxPool2d` or `x.avgPool2d`. */
export class Pool2d extends Module {
  constructor(
    readonly kind: 'maxPool' | 'avgPool',
    readonly kernel: readonly [number, number],
    readonly options: {
      readonly stride: readonly [number, number];
      readonly padding: readonly [number, number];
    },
  ) {
    super();
    if (kind !== 'maxPool' && kind !== 'avgPool')
      throw new TypeError(`Pool2d: expected kind 'maxPool' or 'avgPool', got ${describe(kind)}`);
  }

  /** The module applied to a batch [N, C, H, W]. */
  forward(x: Tensor): Tensor {
    return this.kind === 'maxPool'
      ? x.maxPool2d(this.kernel, this.options)
      : x.avgPool2d(this.kernel, this.options);
  }

  /** `MaxPool2d(kernel=2×2, stride=2×2, padding=0×0)`. */
  override toString(): string {
    const name = this.kind === 'maxPool' ? 'MaxPool2d' : 'AvgPool2d';
    return `${name}(kernel=${this.kernel.join('×')}, stride=${this.options.stride.join('×')}, padding=${this.options.padding.join('×')})`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}

/** [N, C, H, W] → [N, C·H·W], as `x.flatten(1)`. */
export class Flatten extends Module {
  /** The module applied to a batch. */
  forward(x: Tensor): Tensor {
    return x.flatten(1);
  }

  /** `Flatten()`. */
  override toString(): string {
    return 'Flatten()';
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}

/**
 * Inverted dropout: while training, each input is zeroed with probability `rate` and the others scaled
 * by 1/(1 − rate), so the expected output is the input; in evaluation mode it passes the input through.
 * The masks come from `rng`, so a seeded model drops the same inputs on every run.
 */
export class Dropout extends Module {
  constructor(
    readonly rate: number,
    private readonly rng: Rng,
  ) {
    super();
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new RangeError(`Dropout: expected a rate in [0, 1), got ${describe(rate)}`);
    if (!(rng instanceof Rng))
      throw new TypeError(
        `Dropout: expected a random generator (an Rng) after the rate, got ${describe(rng)}; pass new Rng(seed)`,
      );
  }

  /** Where its mask generator is (see `Rng.getState`): saved with the model, so a resumed run drops the same inputs. */
  getState(): RngState {
    return this.rng.getState();
  }

  /** Puts its mask generator where `getState` found it. */
  setState(state: RngState): void {
    this.rng.setState(state);
  }

  /** The module applied to a batch: x times a fresh mask of 0 and 1/(1 − rate) while training. */
  forward(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return x;
    const mask = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size);
    const scale = 1 / (1 - this.rate);
    // an effect: inside compile, every call draws its own mask (the next of the stream, as eager does)
    sideEffect(() => {
      for (let i = 0; i < mask.length; i++) mask[i] = this.rng.uniform() < this.rate ? 0 : scale;
    });
    return x.mul(new Tensor(mask, x.shape));
  }

  /** `Dropout(rate=0.25)`. */
  override toString(): string {
    return `Dropout(rate=${this.rate})`;
  }

  /** @internal How console.log prints it. */
  override [INSPECT](): string {
    return this.toString();
  }
}
