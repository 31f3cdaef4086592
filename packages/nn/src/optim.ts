import { type Differentiable, internal, type Storage, sideEffect, Tensor } from '@adjoint/autograd';
import { clipGradNorm, clipGradValue } from './clipping.js';
import {
  checkState,
  groupsOf,
  inRange,
  type OptimizerState,
  type Parameters,
  positive,
  saveState,
  writableInPlace,
} from './optim-state.js';

const { checkFloat32, checkOptions, describe } = internal;

/**
 * What every optimizer keeps for one parameter: the parameter's next values, computed before any is
 * written, in the parameter's dtype (a float32 parameter's values are rounded as they are stored there).
 */
interface ParameterState {
  next: Storage;
}

/** The largest finite float32: a step beyond it (by more than half an ulp) would overflow a float32 parameter. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The shared part of every optimizer: the parameters, the state of each (as PyTorch's `state[p]`), and
 * the step. A parameter whose gradient is null is skipped and its state left untouched, as in PyTorch, so
 * a parameter that joins late starts its own count. A step is all or nothing: every parameter's next
 * values and state are computed first, and checked as they are (a float32 parameter must not overflow),
 * and only then written; where no step can fail (no float32 parameter), values are written as computed.
 */
abstract class Optimizer<S extends ParameterState> {
  protected readonly params: readonly Differentiable[];
  readonly #state = new Map<Differentiable, S>();
  readonly #name: string;
  readonly #decay: ReadonlyMap<Differentiable, number>;
  /** The parameter whose step `compute` is computing (for `decayOf`). */
  #current: Differentiable | null = null;
  #clipNorm: number | undefined;
  #clipValue: number | undefined;

  constructor(name: string, params: Parameters) {
    const { flat, decay } = groupsOf(name, params);
    this.params = flat;
    this.#decay = decay;
    this.#name = name;
  }

  /** A parameter group's weight decay for the parameter being stepped, or the optimizer's `fallback`. */
  protected decayOf(fallback: number): number {
    return this.#current === null ? fallback : (this.#decay.get(this.#current) ?? fallback);
  }

  /** Keeps the clipping an optimizer's options ask for: done at each step, before the update. */
  protected clipping(options: Clipping): void {
    for (const key of ['clipGradNorm', 'clipGradValue'] as const) {
      const v = options[key];
      if (v !== undefined && (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)))
        throw new RangeError(`${this.#name}: expected ${key} to be a positive number, got ${describe(v)}`);
    }
    this.#clipNorm = options.clipGradNorm;
    this.#clipValue = options.clipGradValue;
  }

  /**
   * Applies one update to every parameter that has a gradient. Inside `compile`, the update is a step of
   * the program, run at every call on the gradients the program computes.
   */
  step(): void {
    if (this.#clipNorm !== undefined) clipGradNorm(this.params, this.#clipNorm);
    if (this.#clipValue !== undefined) clipGradValue(this.params, this.#clipValue);
    const grads = this.params.flatMap((p) => (p instanceof Tensor && p.grad !== null ? [p.grad] : []));
    sideEffect(() => this.#update(), grads);
  }

  #update(): void {
    const pending: { p: Differentiable; x: Storage; out: Storage; state: S }[] = [];
    const inPlace = writableInPlace(this.params);
    this.params.forEach((p, i) => {
      const data = p instanceof Tensor ? p.data : Float64Array.of(p.data);
      const grad =
        p instanceof Tensor ? (p.grad?.data ?? null) : p.adjoint === null ? null : Float64Array.of(p.grad);
      if (grad === null) return;
      const state = this.#state.get(p) ?? this.initial(data.length, data instanceof Float32Array);
      this.#overflow = null;
      this.#current = p;
      const out = inPlace ? data : state.next;
      this.compute(
        state,
        data,
        grad,
        data instanceof Float32Array ? FLOAT32_MAX : Number.POSITIVE_INFINITY,
        out,
      );
      this.#current = null;
      if (this.#overflow !== null) checkFloat32(`${this.#name}: the step of parameter ${i}`, this.#overflow);
      pending.push({ p, x: data, out, state });
    });
    for (const { p, x, out, state } of pending) {
      if (p instanceof Tensor) {
        if (out !== x) x.set(out);
      } else p.data = out[0]!;
      this.commit(state);
      this.#state.set(p, state);
    }
  }

  /** The rate and every parameter's buffers, as JSON-ready data (PyTorch's state_dict): what resuming needs. */
  stateDict(): OptimizerState {
    const parameters = this.params.map((p) => {
      const s = this.#state.get(p);
      return s === undefined ? null : saveState(s, this.saved);
    });
    return { optimizer: this.#name, lr: (this as unknown as { lr: number }).lr, parameters };
  }

  /** Puts back what `stateDict` saved, checked whole first (optimizer, parameter count and sizes). */
  loadStateDict(state: unknown): void {
    const sizes = this.params.map((p) => (p instanceof Tensor ? p.size : 1));
    const checked = checkState(this.#name, state, sizes, this.saved);
    this.#state.clear();
    this.params.forEach((p, i) => {
      const saved = checked.parameters[i];
      if (saved === null || saved === undefined) return;
      const fresh = this.initial(sizes[i]!, p instanceof Tensor && p.dtype === 'float32');
      this.#state.set(p, Object.assign(fresh, saved));
    });
    (this as unknown as { lr: number }).lr = checked.lr;
  }

  /** The fields of a parameter's state that `stateDict` keeps (the rest is scratch for the next step). */
  protected abstract readonly saved: readonly string[];

  /** Forgets every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** The state of a parameter of `size` elements before its first step (float32: its `next` is a Float32Array). */
  protected abstract initial(size: number, float32: boolean): S;
  /**
   * Computes the parameter's next values into `out`, and its next state, without changing the state in
   * use. `out` is `state.next`, or `x` itself when the step cannot fail: element k of `x` is read before
   * element k of `out` is written, and no other. A value beyond ±`limit` (the float32 range, for a
   * float32 parameter) goes to `beyond`.
   */
  protected abstract compute(state: S, x: Storage, g: Storage, limit: number, out: Storage): void;

  /** The values of this step past the float32 range, for checkFloat32 to judge (they may round down to its largest). */
  #overflow: number[] | null = null;

  /** Records the next value `v` of element `k`, beyond the float32 range: the step throws if it overflows. */
  protected beyond(k: number, v: number): void {
    this.#overflow ??= [];
    this.#overflow[k] = v;
  }
  /** Makes the state computed by `compute` the state in use. */
  protected abstract commit(state: S): void;
}

/** Clipping every optimizer can do before its update, as `clipGradNorm` and `clipGradValue` do. */
export interface Clipping {
  /** Scale all gradients together to this global 2-norm at most (PyTorch's clip_grad_norm_). */
  readonly clipGradNorm?: number;
  /** Clamp every gradient element to [-v, v] (clip_grad_value_), after the norm clipping. */
  readonly clipGradValue?: number;
}

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
