import { type Differentiable, describe, type Storage, Tensor, Value } from '@adjoint/autograd';

/**
 * The shared part of every optimizer: the parameters, per-parameter state, and reading gradients.
 * A parameter whose gradient was never computed is skipped, as in PyTorch.
 */
abstract class Optimizer {
  protected readonly params: readonly Differentiable[];
  protected stepCount = 0;

  constructor(name: string, params: readonly Differentiable[]) {
    if (!Array.isArray(params) || params.length === 0) {
      throw new TypeError(
        `${name}: expected a non-empty array of parameters (Values or Tensors), got ${describe(params)}`,
      );
    }
    params.forEach((p, i) => {
      if (!(p instanceof Value) && !(p instanceof Tensor))
        throw new TypeError(`${name}: parameter ${i} is ${describe(p)}, not a Value or a Tensor`);
    });
    this.params = [...params];
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p instanceof Tensor) {
        if (p.grad !== null) this.update(i, p.data, p.grad.data);
      } else if (p.adjoint !== null) {
        const data = Float64Array.of(p.data);
        this.update(i, data, Float64Array.of(p.grad));
        p.data = data[0]!;
      }
    });
  }

  /** Forgets every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Updates parameter `i` in place from its gradient `g`. */
  protected abstract update(i: number, x: Storage, g: Storage): void;
}

/** Options of SGD, with PyTorch's meanings. */
export interface SgdOptions {
  readonly lr: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's update: g = ∇ + λx; with momentum, b = μb + (1 - τ)g
 * (b = g on the first step) and g = b, or g + μb with Nesterov; then x ← x - lr·g.
 */
export class SGD extends Optimizer {
  /** The learning rate; may be changed between steps (a schedule). */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly #buffers = new Map<number, Float64Array>();

  constructor(params: readonly Differentiable[], options: SgdOptions) {
    super('SGD', params);
    const {
      lr,
      momentum = 0,
      dampening = 0,
      weightDecay = 0,
      nesterov = false,
    } = options ?? ({} as SgdOptions);
    this.lr = positive('SGD', 'learning rate', lr);
    this.momentum = inRange('SGD', 'momentum', momentum, 0, 1, false);
    this.dampening = inRange('SGD', 'dampening', dampening, 0, 1, true);
    this.weightDecay = inRange('SGD', 'weight decay', weightDecay, 0, Number.POSITIVE_INFINITY, false);
    if (nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
    this.nesterov = nesterov;
  }

  protected update(i: number, x: Storage, grad: Storage): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    if (momentum === 0 && weightDecay === 0) {
      // plain SGD, as PyTorch skips the weight-decay term when it is 0: x ← x - lr·∇
      for (let k = 0; k < x.length; k++) x[k] = x[k]! - lr * grad[k]!;
      return;
    }
    let buffer = this.#buffers.get(i);
    const first = buffer === undefined;
    if (momentum !== 0 && buffer === undefined) {
      buffer = new Float64Array(x.length);
      this.#buffers.set(i, buffer);
    }
    for (let k = 0; k < x.length; k++) {
      let g = grad[k]! + weightDecay * x[k]!;
      if (buffer !== undefined) {
        buffer[k] = first ? g : momentum * buffer[k]! + (1 - dampening) * g;
        g = nesterov ? g + momentum * buffer[k]! : buffer[k]!;
      }
      x[k] = x[k]! - lr * g;
    }
  }
}

/** Options of Adam and AdamW, with PyTorch's meanings and defaults. */
export interface AdamOptions {
  readonly lr?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  readonly weightDecay?: number;
}

/**
 * Adam with PyTorch's update: g = ∇ + λx (weight decay added to the gradient), m = β₁m + (1 - β₁)g,
 * v = β₂v + (1 - β₂)g², x ← x - (lr / (1 - β₁ᵗ))·m / (√v / √(1 - β₂ᵗ) + ε).
 */
export class Adam extends Optimizer {
  /** The learning rate; may be changed between steps (a schedule). */
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly #moments = new Map<number, [Float64Array, Float64Array]>();
  readonly #decoupled: boolean;

  constructor(
    params: readonly Differentiable[],
    options: AdamOptions = {},
    name = 'Adam',
    decoupledDefault = 0,
  ) {
    super(name, params);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = decoupledDefault } = options;
    this.lr = positive(name, 'learning rate', lr);
    if (!Array.isArray(betas) || betas.length !== 2)
      throw new RangeError(`${name}: expected betas to be a pair, got ${describe(betas)}`);
    this.betas = [
      inRange(name, 'beta1', betas[0], 0, 1, false),
      inRange(name, 'beta2', betas[1], 0, 1, false),
    ];
    this.eps = positive(name, 'eps', eps);
    this.weightDecay = inRange(name, 'weight decay', weightDecay, 0, Number.POSITIVE_INFINITY, false);
    this.#decoupled = name === 'AdamW';
  }

  protected update(i: number, x: Storage, grad: Storage): void {
    const { lr, eps, weightDecay } = this;
    const [beta1, beta2] = this.betas;
    let moments = this.#moments.get(i);
    if (moments === undefined) {
      moments = [new Float64Array(x.length), new Float64Array(x.length)];
      this.#moments.set(i, moments);
    }
    const [m, v] = moments;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = Math.sqrt(1 - beta2 ** this.stepCount);
    const stepSize = lr / correction1;
    for (let k = 0; k < x.length; k++) {
      let g = grad[k]!;
      if (this.#decoupled) x[k] = x[k]! * (1 - lr * weightDecay);
      else g += weightDecay * x[k]!;
      m[k] = m[k]! + (g - m[k]!) * (1 - beta1); // PyTorch's lerp_: m + (g - m)(1 - β₁)
      v[k] = v[k]! * beta2 + (1 - beta2) * g * g;
      x[k] = x[k]! - (stepSize * m[k]!) / (Math.sqrt(v[k]!) / correction2 + eps);
    }
  }
}

/** AdamW: Adam with decoupled weight decay, x ← x(1 - lr·λ) before the Adam step (PyTorch's default λ = 0.01). */
export class AdamW extends Adam {
  constructor(params: readonly Differentiable[], options: AdamOptions = {}) {
    super(params, options, 'AdamW', 0.01);
  }
}

function positive(name: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name}: ${what} must be > 0, got ${describe(value)}`);
  }
  return value;
}

function inRange(
  name: string,
  what: string,
  value: unknown,
  low: number,
  high: number,
  inclusiveHigh: boolean,
): number {
  const ok =
    typeof value === 'number' &&
    value >= low &&
    (inclusiveHigh ? value <= high : value < high) &&
    !Number.isNaN(value);
  if (!ok)
    throw new RangeError(
      `${name}: ${what} must be in [${low}, ${high}${inclusiveHigh ? ']' : ')'}, got ${describe(value)}`,
    );
  return value as number;
}
