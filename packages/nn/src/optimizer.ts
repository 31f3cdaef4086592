// The shared part of every optimizer (optim.ts has SGD, Adam and AdamW): the parameters and their
// state, clipping, the all-or-nothing step on the CPU, and the step of parameters on a device (a GPU),
// where each optimizer's rule runs as tensor ops and the result is written into the parameter in place.
import { type Differentiable, internal, noGrad, type Storage, sideEffect, Tensor } from '@adjoint/autograd';
import { clipGradNorm, clipGradValue } from './clipping.js';
import {
  checkState,
  groupsOf,
  type OptimizerState,
  type Parameters,
  saveState,
  writableInPlace,
} from './optim-state.js';

const { checkFloat32, describe, overwrite } = internal;

/**
 * What every optimizer keeps for one parameter: the parameter's next values, computed before any is
 * written, in the parameter's dtype (a float32 parameter's values are rounded as they are stored there).
 */
export interface ParameterState {
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
export abstract class Optimizer<S extends ParameterState> {
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
    const away = this.params.some(onDevice);
    if (!away) {
      if (this.#clipNorm !== undefined) clipGradNorm(this.params, this.#clipNorm);
      if (this.#clipValue !== undefined) clipGradValue(this.params, this.#clipValue);
    }
    const grads = this.params.flatMap((p) => (p instanceof Tensor && p.grad !== null ? [p.grad] : []));
    // on a device, the clipping replaces the gradients with tensor ops: part of the update's effect, so
    // that a compiled step clips the gradients of each call (not those it was traced with)
    sideEffect(() => {
      if (away) this.#clipOnDevice();
      this.#update(away);
    }, grads);
  }

  /** One step of every parameter; `away`: some are on a device, each of which steps there. */
  #update(away: boolean): void {
    const pending: { p: Differentiable; x: Storage; out: Storage; state: S }[] = [];
    const inPlace = writableInPlace(away ? this.params.filter((p) => !onDevice(p)) : this.params);
    this.params.forEach((p, i) => {
      if (away && onDevice(p)) {
        this.#stepOnDevice(p as Tensor);
        return;
      }
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

  /**
   * One step of a parameter on a device: the rule as tensor ops there (`onDevice`), its result written
   * into the parameter in place. Its state lives on the device too. Unlike the CPU's, a float32 step
   * that overflows is not caught here (seeing it would need a read of the GPU): the infinities it
   * leaves show in the next loss.
   */
  #stepOnDevice(p: Tensor): void {
    const g = p.grad;
    if (g === null) return;
    const state = this.#deviceState.get(p) ?? { step: 0, buffers: new Map<string, Tensor>() };
    this.#current = p;
    const next = noGrad(() => this.onDevice(p, g, state));
    this.#current = null;
    overwrite(p, next);
    this.#deviceState.set(p, state);
  }

  /**
   * The clipping of parameters on a device, as tensor ops there (clipGradNorm, which returns the norm,
   * would have to read it): the 2-norm of all gradients, each scaled by min(1, maxNorm / (norm + 1e-6)),
   * then clamped to ±clipGradValue, as on the CPU.
   */
  #clipOnDevice(): void {
    const held = this.params.filter((p): p is Tensor => p instanceof Tensor && p.grad !== null);
    if (held.some((p) => p.device === 'cpu'))
      throw new Error(`${this.#name}: its parameters are on two devices; keep a model's parameters on one`);
    noGrad(() => {
      const max = this.#clipNorm;
      if (max !== undefined && held.length > 0) {
        const squares = held.map((p) => p.grad!.mul(p.grad!).sum());
        const norm = squares.reduce((total, s) => total.add(s)).sqrt();
        const coefficient = norm.add(1e-6).pow(-1).mul(max).minimum(1);
        for (const p of held) p.grad = p.grad!.mul(coefficient);
      }
      const value = this.#clipValue;
      if (value !== undefined) for (const p of held) p.grad = p.grad!.maximum(-value).minimum(value);
    });
  }

  /** The state of each parameter on a device: its step count and its buffers, tensors there. */
  readonly #deviceState = new Map<Tensor, DeviceState>();

  /**
   * The parameter's next values from its gradient, as tensor ops (so on the parameter's device); the
   * state's buffers and step are the rule's to read and replace.
   */
  protected abstract onDevice(x: Tensor, g: Tensor, state: DeviceState): Tensor;

  /** The rate and every parameter's buffers, as JSON-ready data (PyTorch's state_dict): what resuming needs. */
  stateDict(): OptimizerState {
    const away = this.params.findIndex((p) => p instanceof Tensor && p.device !== 'cpu');
    if (away >= 0)
      throw new Error(
        `${this.#name}.stateDict: parameter ${away} is on ${(this.params[away] as Tensor).device}, whose ` +
          "state cannot be read synchronously; move the model to the CPU first (await model.to('cpu'))",
      );
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

/** Whether `p` is a tensor on a device (a GPU). */
function onDevice(p: Differentiable): boolean {
  return p instanceof Tensor && p.device !== 'cpu';
}

/** The state of a parameter on a device: its own step count, and its rule's buffers (momentum, m, v). */
export interface DeviceState {
  step: number;
  readonly buffers: Map<string, Tensor>;
}

/** Clipping every optimizer can do before its update, as `clipGradNorm` and `clipGradValue` do. */
export interface Clipping {
  /** Scale all gradients together to this global 2-norm at most (PyTorch's clip_grad_norm_). */
  readonly clipGradNorm?: number;
  /** Clamp every gradient element to [-v, v] (clip_grad_value_), after the norm clipping. */
  readonly clipGradValue?: number;
}
