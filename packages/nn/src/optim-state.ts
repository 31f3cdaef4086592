// What an optimizer keeps between steps, as data: PyTorch's state_dict. Each parameter's buffers (SGD's
// momentum, Adam's moments and its step count) by the parameter's position, and the rate; checked whole
// before anything is loaded, so a state of another model or optimizer changes nothing.
import { type Differentiable, internal, Tensor, Value } from '@adjoint/autograd';

const { checkOptions, describe } = internal;

/** An optimizer's saved state: plain JSON. */
export interface OptimizerState {
  /** 'SGD', 'Adam' or 'AdamW': a state loads only into the optimizer that saved it. */
  readonly optimizer: string;
  readonly lr: number;
  /** Per parameter, in order: its buffers (arrays of numbers) and counters, or null before its first step. */
  readonly parameters: readonly (Readonly<Record<string, number[] | number | null>> | null)[];
}

/** @internal A parameter's state as data: `keys` of it, typed arrays as arrays. */
export function saveState(state: object, keys: readonly string[]): Record<string, number[] | number | null> {
  const out: Record<string, number[] | number | null> = {};
  for (const key of keys) {
    const v = (state as Record<string, unknown>)[key];
    out[key] = v instanceof Float64Array ? Array.from(v) : (v as number | null);
  }
  return out;
}

/**
 * @internal Checks `state` against an optimizer named `name` with parameters of `sizes`; returns, per
 * parameter, the saved fields to put into a fresh state (null: none saved). Throws naming the mismatch.
 */
export function checkState(
  name: string,
  state: unknown,
  sizes: readonly number[],
  keys: readonly string[],
): { readonly lr: number; readonly parameters: (Record<string, Float64Array | number | null> | null)[] } {
  const fail = (message: string): never => {
    throw new Error(`${name}.loadStateDict: ${message}`);
  };
  if (typeof state !== 'object' || state === null)
    return fail(`expected a saved state, got ${describe(state)}`);
  const s = state as Partial<OptimizerState>;
  if (s.optimizer !== name) fail(`the state is ${describe(s.optimizer)}'s, not ${name}'s`);
  if (typeof s.lr !== 'number' || !Number.isFinite(s.lr) || s.lr < 0)
    fail(`lr must be a number ≥ 0, got ${describe(s.lr)}`);
  if (!Array.isArray(s.parameters) || s.parameters.length !== sizes.length)
    fail(
      `the state has ${Array.isArray(s.parameters) ? s.parameters.length : 'no'} parameters, this optimizer ${sizes.length}`,
    );
  const parameters = s.parameters!.map((p, i) => {
    if (p === null) return null;
    if (typeof p !== 'object') return fail(`parameters[${i}] is ${describe(p)}`);
    const out: Record<string, Float64Array | number | null> = {};
    for (const key of keys) {
      const v = (p as Record<string, unknown>)[key];
      if (v === null) out[key] = null;
      else if (Array.isArray(v)) {
        if (v.length !== sizes[i] || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
          fail(`parameters[${i}].${key} must be ${sizes[i]} finite numbers (the parameter's size)`);
        out[key] = Float64Array.from(v as number[]);
      } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[key] = v;
      else fail(`parameters[${i}].${key} is ${describe(v)}`);
    }
    return out;
  });
  return { lr: s.lr!, parameters };
}

/** @internal */
export function positive(name: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name}: ${what} must be > 0, got ${describe(value)}`);
  }
  return value;
}

/** @internal */
export function inRange(
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

/**
 * @internal Whether a step may write each parameter as it computes it. Only a float32 parameter's step can fail
 * (by leaving its range), so with none the step is still all or nothing; and no two parameters may share
 * memory, or one would read the other's new values.
 */
/** @internal */
export function writableInPlace(params: readonly Differentiable[]): boolean {
  const buffers = new Set<ArrayBufferLike>();
  let count = 0;
  for (const p of params) {
    if (!(p instanceof Tensor)) continue;
    if (p.dtype === 'float32') return false;
    buffers.add(p.data.buffer);
    count++;
  }
  return buffers.size === count;
}

/** A parameter group, as PyTorch's: parameters with a weight decay of their own. */
export interface ParamGroup {
  readonly params: readonly Differentiable[];
  /** This group's weight decay, in place of the optimizer's. */
  readonly weightDecay?: number;
}

/** What an optimizer takes: its parameters, or groups of them (each with its own weight decay). */
export type Parameters = readonly Differentiable[] | readonly ParamGroup[];

/** @internal The parameters of `params`, each once, and the weight decay of the groups that set one. */
export function groupsOf(
  name: string,
  params: Parameters,
): { flat: Differentiable[]; decay: Map<Differentiable, number> } {
  if (!Array.isArray(params) || params.length === 0)
    throw new TypeError(
      `${name}: expected a non-empty array of parameters (Values or Tensors) or of groups, got ${describe(params)}`,
    );
  const decay = new Map<Differentiable, number>();
  const first = params[0] as unknown;
  const grouped = typeof first === 'object' && first !== null && 'params' in first;
  const flat = grouped
    ? (params as readonly ParamGroup[]).flatMap((group, g) => {
        if (typeof group !== 'object' || group === null || !Array.isArray(group.params))
          throw new TypeError(`${name}: group ${g} is ${describe(group)}, not { params, weightDecay? }`);
        checkOptions(`${name} (group ${g})`, group, ['params', 'weightDecay']);
        const d = group.weightDecay;
        if (d !== undefined && (typeof d !== 'number' || !Number.isFinite(d) || d < 0))
          throw new RangeError(
            `${name}: group ${g}'s weightDecay must be a finite number ≥ 0, got ${describe(d)}`,
          );
        if (d !== undefined) for (const p of group.params) decay.set(p, d);
        return [...group.params];
      })
    : [...(params as readonly Differentiable[])];
  flat.forEach((p, i) => {
    if (!(p instanceof Value) && !(p instanceof Tensor))
      throw new TypeError(`${name}: parameter ${i} is ${describe(p)}, not a Value or a Tensor`);
    const first = flat.indexOf(p);
    if (first !== i)
      throw new TypeError(`${name}: parameter ${i} is parameter ${first} again; give each once`);
  });
  if (flat.length === 0) throw new TypeError(`${name}: the groups hold no parameters`);
  return { flat, decay };
}
