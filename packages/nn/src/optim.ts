import { internal, type Storage, type Tensor } from '@adjoint/autograd';
import { inRange, type Parameters, positive } from './optim-state.js';
import { type Clipping, type DeviceState, Optimizer, type ParameterState } from './optimizer.js';

const { checkOptions, describe } = internal;

export type { Clipping } from './optimizer.js';

/** Options of SGD, with PyTorch's meanings. */
export interface SgdOptions extends Clipping {
  readonly lr: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's update: g = ∇ + λx; with momentum, b = μb + (1 - τ)g
 * (b = g on the first step) and g = b, or g + μb with Nesterov; then x ← x - lr·g.
 *
 * @example
 * {@includeCode ../doc-examples/sgd.ts}
 */
export class SGD extends Optimizer<SgdState> {
  protected readonly saved = ['buffer'];
  /** The learning rate; may be changed between steps (a schedule). */
  lr: number;
  /** The momentum factor; may be changed between steps (OneCycleLR cycles it, as PyTorch's). */
  momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: Parameters, options: SgdOptions) {
    super('SGD', params);
    const {
      lr,
      momentum = 0,
      dampening = 0,
      weightDecay = 0,
      nesterov = false,
    } = options ?? ({} as SgdOptions);
    checkOptions('SGD', options, [
      'lr',
      'momentum',
      'dampening',
      'weightDecay',
      'nesterov',
      'clipGradNorm',
      'clipGradValue',
    ]);
    this.lr = positive('SGD', 'learning rate', lr);
    this.clipping(options);
    this.momentum = inRange('SGD', 'momentum', momentum, 0, 1, false);
    this.dampening = inRange('SGD', 'dampening', dampening, 0, 1, true);
    this.weightDecay = inRange('SGD', 'weight decay', weightDecay, 0, Number.POSITIVE_INFINITY, false);
    if (nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
    this.nesterov = nesterov;
  }

  protected initial(size: number, float32: boolean): SgdState {
    return {
      next: float32 ? new Float32Array(size) : new Float64Array(size),
      buffer: null,
      nextBuffer: this.momentum === 0 ? null : new Float64Array(size),
    };
  }

  protected compute(state: SgdState, x: Storage, grad: Storage, limit: number, next: Storage): void {
    const { lr, momentum, dampening, nesterov } = this;
    const weightDecay = this.decayOf(this.weightDecay);
    // a momentum set after the parameter's first step (a schedule's): its buffer starts now
    if (momentum !== 0) state.nextBuffer ??= new Float64Array(x.length);
    const { buffer, nextBuffer } = state;
    if (momentum === 0 && weightDecay === 0) {
      // plain SGD, as PyTorch skips the weight-decay term when it is 0: x ← x - lr·∇, four elements an
      // iteration (V8 does not unroll loops; this one runs about 1.6 times faster), then the rest
      const n = x.length;
      let k = 0;
      for (; k + 4 <= n; k += 4) {
        const a = x[k]! - lr * grad[k]!;
        const b = x[k + 1]! - lr * grad[k + 1]!;
        const c = x[k + 2]! - lr * grad[k + 2]!;
        const d = x[k + 3]! - lr * grad[k + 3]!;
        next[k] = a;
        next[k + 1] = b;
        next[k + 2] = c;
        next[k + 3] = d;
        if (a > limit || a < -limit) this.beyond(k, a);
        if (b > limit || b < -limit) this.beyond(k + 1, b);
        if (c > limit || c < -limit) this.beyond(k + 2, c);
        if (d > limit || d < -limit) this.beyond(k + 3, d);
      }
      for (; k < n; k++) {
        const v = x[k]! - lr * grad[k]!;
        next[k] = v;
        if (v > limit || v < -limit) this.beyond(k, v);
      }
      return;
    }
    for (let k = 0; k < x.length; k++) {
      let g = grad[k]! + weightDecay * x[k]!;
      if (nextBuffer !== null) {
        // the buffer starts as the first gradient this parameter gets, as PyTorch's clone of d_p
        nextBuffer[k] = buffer === null ? g : momentum * buffer[k]! + (1 - dampening) * g;
        g = nesterov ? g + momentum * nextBuffer[k]! : nextBuffer[k]!;
      }
      const v = x[k]! - lr * g;
      next[k] = v;
      if (v > limit || v < -limit) this.beyond(k, v);
    }
  }

  protected onDevice(x: Tensor, grad: Tensor, state: DeviceState): Tensor {
    const weightDecay = this.decayOf(this.weightDecay);
    let g = weightDecay === 0 ? grad : grad.add(x.mul(weightDecay));
    if (this.momentum !== 0) {
      const buffer = state.buffers.get('buffer');
      // the first gradient, copied (PyTorch's clone of d_p): a compiled step writes the next call's
      // gradient into the array that holds this one
      const next = buffer === undefined ? g.mul(1) : buffer.mul(this.momentum).add(g.mul(1 - this.dampening));
      state.buffers.set('buffer', next);
      g = this.nesterov ? g.add(next.mul(this.momentum)) : next;
    }
    return x.sub(g.mul(this.lr));
  }

  protected commit(state: SgdState): void {
    if (state.nextBuffer === null) return;
    const used = state.buffer ?? new Float64Array(state.nextBuffer.length);
    state.buffer = state.nextBuffer;
    state.nextBuffer = used;
  }
}

/** SGD's state of one parameter: its momentum buffer (null before its first step, or without momentum). */
interface SgdState extends ParameterState {
  buffer: Float64Array | null;
  nextBuffer: Float64Array | null;
}

/** Options of Adam and AdamW, with PyTorch's meanings and defaults. */
export interface AdamOptions extends Clipping {
  readonly lr?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  readonly weightDecay?: number;
}

/**
 * Adam with PyTorch's update: g = ∇ + λx (weight decay added to the gradient), m = β₁m + (1 - β₁)g,
 * v = β₂v + (1 - β₂)g², x ← x - (lr / (1 - β₁ᵗ))·m / (√v / √(1 - β₂ᵗ) + ε).
 *
 * @example
 * {@includeCode ../doc-examples/adam.ts}
 */
export class Adam extends Optimizer<AdamState> {
  protected readonly saved = ['step', 'm', 'v'];
  /** The learning rate; may be changed between steps (a schedule). */
  lr: number;
  /** β₁ and β₂; may be changed between steps (OneCycleLR cycles β₁, as PyTorch's). */
  betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly #decoupled: boolean;

  constructor(params: Parameters, options: AdamOptions = {}, name = 'Adam', decoupledDefault = 0) {
    super(name, params);
    checkOptions(name, options, ['lr', 'betas', 'eps', 'weightDecay', 'clipGradNorm', 'clipGradValue']);
    this.clipping(options);
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

  protected initial(size: number, float32: boolean): AdamState {
    const zeros = () => new Float64Array(size);
    const next = float32 ? new Float32Array(size) : zeros();
    return { step: 0, next, m: zeros(), v: zeros(), nextM: zeros(), nextV: zeros() };
  }

  protected compute(state: AdamState, x: Storage, grad: Storage, limit: number, next: Storage): void {
    const { lr, eps } = this;
    const weightDecay = this.decayOf(this.weightDecay);
    const [beta1, beta2] = this.betas;
    const { m, v, nextM, nextV } = state;
    // the bias correction counts this parameter's own steps, as PyTorch's state[p]['step']
    const step = state.step + 1;
    const correction1 = 1 - beta1 ** step;
    const correction2 = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / correction1;
    // read once: a private field read in the loop is read again at every element, as `beyond` might change it
    const decoupled = this.#decoupled;
    for (let k = 0; k < x.length; k++) {
      let g = grad[k]!;
      let xk = x[k]!;
      if (decoupled) xk = xk * (1 - lr * weightDecay);
      else g += weightDecay * xk;
      const mk = m[k]! + (g - m[k]!) * (1 - beta1); // PyTorch's lerp_: m + (g - m)(1 - β₁)
      const vk = v[k]! * beta2 + (1 - beta2) * g * g;
      nextM[k] = mk;
      nextV[k] = vk;
      const value = xk - (stepSize * mk) / (Math.sqrt(vk) / correction2 + eps);
      next[k] = value;
      if (value > limit || value < -limit) this.beyond(k, value);
    }
  }

  protected onDevice(x: Tensor, grad: Tensor, state: DeviceState): Tensor {
    const { lr, eps } = this;
    const weightDecay = this.decayOf(this.weightDecay);
    const [beta1, beta2] = this.betas;
    state.step++;
    const decoupled = this.#decoupled && weightDecay !== 0;
    const xk = decoupled ? x.mul(1 - lr * weightDecay) : x;
    const g = this.#decoupled || weightDecay === 0 ? grad : grad.add(x.mul(weightDecay));
    const [m0, v0] = [state.buffers.get('m'), state.buffers.get('v')];
    const m = m0 === undefined ? g.mul(1 - beta1) : m0.add(g.sub(m0).mul(1 - beta1));
    const v = v0 === undefined ? g.mul(g).mul(1 - beta2) : v0.mul(beta2).add(g.mul(g).mul(1 - beta2));
    state.buffers.set('m', m);
    state.buffers.set('v', v);
    const stepSize = lr / (1 - beta1 ** state.step);
    const correction2 = Math.sqrt(1 - beta2 ** state.step);
    return xk.sub(m.mul(stepSize).div(v.sqrt().div(correction2).add(eps)));
  }

  protected commit(state: AdamState): void {
    [state.m, state.nextM] = [state.nextM, state.m];
    [state.v, state.nextV] = [state.nextV, state.v];
    state.step++;
  }
}

/** Adam's state of one parameter: its step count and moments (and the next ones, while a step is computed). */
interface AdamState extends ParameterState {
  step: number;
  m: Float64Array;
  v: Float64Array;
  nextM: Float64Array;
  nextV: Float64Array;
}

/**
 * AdamW: Adam with decoupled weight decay, x ← x(1 - lr·λ) before the Adam step (PyTorch's default λ = 0.01).
 *
 * @example
 * {@includeCode ../doc-examples/adamw.ts}
 */
export class AdamW extends Adam {
  constructor(params: Parameters, options: AdamOptions = {}) {
    super(params, options, 'AdamW', 0.01);
  }
}
