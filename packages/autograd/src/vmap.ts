// vmap: a function written for one example, run on a whole batch at once. An interpreter of the seam
// (run.ts): inside it, a batched tensor has the example's shape and an array that holds every example,
// the batch axis leading. A primitive that reads such an array runs once on the whole batch, through its
// rule's batching (rules/batching.ts); everything else passes to the interpreter below (eager, or a
// compile trace), so vmap composes with compile, with grad inside it, and with itself.
import { pushForward } from './forward.js';
import { gradients, isGradEnabled } from './graph.js';
import { arrayOf, type DType, type NDArray, normalizeAxis, type Storage, sizeOf } from './ndarray.js';
import type { Primitive } from './rules/rule.js';
import {
  allocate,
  allocateUnzeroed,
  bind,
  created,
  current,
  type Effect,
  type Interpreter,
  interpret,
  isConcrete,
  read,
  sideEffect,
} from './run.js';
import { describe, formatShape, ShapeError } from './shape.js';
import { filled, recordTensor, storageOf, Tensor } from './tensor.js';
import { transposedJvp } from './transforms.js';

/** Where `vmap` finds the batch in the arguments and puts it in the results. */
export interface VmapOptions {
  /**
   * The batch axis of each argument: one for all, or one per argument; `null` for an argument shared by
   * every example (a model's parameters). Default 0.
   */
  readonly inAxes?: number | null | readonly (number | null)[];
  /** Where the batch axis goes in each result: one for all, or one per result. Default 0. */
  readonly outAxes?: number | readonly number[];
}

/** What a vmapped function may return: a Tensor, or an array of them (a number is a constant). */
export type VmapOutput = Tensor | number | readonly (Tensor | number)[];

/**
 * JAX's `vmap`: `f`, written for one example, applied to every example of a batch, as one run of each op
 * over the whole batch (a batched matmul, not one per example). `vmap(grad(f))` gives per-example
 * gradients; `vmap(vmap(f))` maps over two axes; `compile(vmap(f))` compiles the batched program.
 * Inside `f` a batched tensor has one example's shape and its values cannot be read (`.data`, `item()`);
 * choose by value with `where`. The results are differentiable: `grad(vmap(f))` backpropagates through
 * the batch to the batched arguments and to the tensors `f` closes over (a model's parameters).
 */
export function vmap<A extends unknown[], R extends VmapOutput>(
  f: (...args: A) => R,
  options: VmapOptions = {},
): (...args: A) => R {
  if (typeof f !== 'function') throw new TypeError(`vmap: expected f to be a function, got ${describe(f)}`);
  checkVmapOptions(options);
  return (...args: A) => {
    const inAxes = perArgument(options.inAxes === undefined ? 0 : options.inAxes, args);
    const batching = new Batching(batchSize(args, inAxes), current());
    const inner = args.map((x, i) => (inAxes[i] === null ? x : batching.enter(x as Tensor, inAxes[i]!)));
    const output = interpret(batching, () => f(...(inner as A)));
    const outputs = resultList(output);
    const outAxes = perResult(options.outAxes, outputs.length);
    const results = outputs.map((o, k) => batching.exit(o, outAxes[k]!));
    return (Array.isArray(output) ? results : results[0]) as R;
  };
}

/** The batching interpreter: which arrays hold a batch, and how each primitive runs on one. */
class Batching implements Interpreter {
  /** Arrays that hold a whole batch, the batch axis leading, with the size of one example. */
  readonly #batched = new WeakMap<Storage, number>();

  /** Arrays that ops inside made (not views of what came from outside). */
  readonly #made = new WeakSet<Storage>();
  /** Tensors from outside that require grad and that ops inside read: where a gradient leaves the batch. */
  readonly #outside = new Set<Tensor>();
  /** Each batched argument that requires grad, with the leaf that stands for one example of it inside. */
  readonly #arguments = new Map<Tensor, { readonly inner: Tensor; readonly axis: number }>();

  constructor(
    readonly size: number,
    public below: Interpreter | null,
  ) {}

  /** One example's view of `x` batched along `axis`: the batch moved to the front. */
  enter(x: Tensor, axis: number): Tensor {
    const moved = axis === 0 ? x : x.detach().transpose(moveToFront(x.ndim, axis));
    this.#batched.set(storageOf(moved), sizeOf(moved.shape) / this.size);
    const inner = new Tensor(storageOf(moved), moved.shape.slice(1));
    if (x.requiresGrad && isGradEnabled()) {
      inner.requiresGrad = true;
      this.#arguments.set(x, { inner, axis });
    }
    return inner;
  }

  /**
   * A result as a Tensor with the batch at `axis`; one the batch never reached is repeated along it. Where
   * it depends on tensors that require grad, it is a node whose vjp backpropagates through the batch.
   */
  exit(y: Tensor | number, axis: number): Tensor {
    const x = y instanceof Tensor ? y : filled([], y);
    const storage = storageOf(x);
    let full: Tensor;
    if (!this.#holdsBatch(storage, x.shape)) full = x.broadcastTo([this.size, ...x.shape]);
    else {
      const shape = [this.size, ...x.shape];
      const parents = [...this.#outside, ...this.#arguments.keys()];
      full =
        x.requiresGrad && parents.length > 0 && isGradEnabled()
          ? recordTensor(storage, shape, parents, {
              name: 'vmap',
              vjp: (g) => this.#pull(x, g, parents),
              jvp: (dxs) => this.#push(x, dxs, parents),
            })
          : new Tensor(storage, shape);
    }
    const a = normalizeAxis('vmap (outAxes)', axis, full.ndim);
    return a === 0 ? full : full.transpose(moveFromFront(full.ndim, a));
  }

  /**
   * The vjp of a result: the backward pass from its per-example node `y`, run inside the batch with `g`
   * (the result's adjoint, batch leading) as each example's seed, ending at the tensors from outside. A
   * gradient that holds a batch is an argument's (the batch moved back to its axis) or, for a tensor all
   * examples share, the sum over the batch.
   */
  #pull(y: Tensor, g: Tensor, parents: readonly Tensor[]): (Tensor | null)[] {
    const below = current();
    const targets = parents.map((p) => this.#arguments.get(p)?.inner ?? p);
    const found = this.#within(below, () => {
      const seed = this.#view(g, 0);
      return gradients(y, seed, targets, isGradEnabled(), true);
    });
    return found.map((grad, k) => {
      if (grad === null || !this.#holdsBatch(storageOf(grad), grad.shape)) return grad;
      // under createGraph the gradient is itself a batched node: it leaves the batch as a result does
      const whole = this.exit(grad, 0);
      const argument = this.#arguments.get(parents[k]!);
      if (argument === undefined) return whole.sum(0);
      return argument.axis === 0 ? whole : whole.transpose(moveFromFront(whole.ndim, argument.axis));
    });
  }

  /**
   * The jvp of a result: the forward sweep inside the batch, from the tangents of the tensors from outside
   * (an argument's entering as a batch, a shared tensor's as it is) to the example's node `y`.
   */
  #push(y: Tensor, dxs: readonly (Tensor | null)[], parents: readonly Tensor[]): Tensor | null {
    const below = current();
    const [t] = this.#within(below, () => {
      const seeds = new Map<Tensor, Tensor>();
      parents.forEach((p, k) => {
        const dx = dxs[k];
        if (dx === null || dx === undefined) return;
        const argument = this.#arguments.get(p);
        seeds.set(argument?.inner ?? p, argument === undefined ? dx : this.#view(dx, argument.axis));
      });
      return pushForward([y], seeds, isGradEnabled(), transposedJvp);
    });
    return t === null || t === undefined ? null : this.exit(t, 0);
  }

  /** One example's view of `x` batched along `axis`, as a constant (what a seed or a tangent enters as). */
  #view(x: Tensor, axis: number): Tensor {
    const moved = axis === 0 ? x.detach() : x.detach().transpose(moveToFront(x.ndim, axis));
    this.#batched.set(storageOf(moved), sizeOf(moved.shape) / this.size);
    return new Tensor(storageOf(moved), moved.shape.slice(1));
  }

  /** Runs `fn` with this interpreter installed above `below` (the one current when a vjp runs). */
  #within<T>(below: Interpreter | null, fn: () => T): T {
    const before = this.below;
    this.below = below;
    try {
      return interpret(this, fn);
    } finally {
      this.below = before;
    }
  }

  bind<A>(name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray {
    const arrays = inputs.map((x) => ({ data: arrayOf(x), shape: x.shape }));
    const batched = arrays.map((x) => this.#holdsBatch(x.data, x.shape));
    inputs.forEach((x, i) => {
      if (x instanceof Tensor && x.requiresGrad && !batched[i] && !this.#made.has(arrays[i]!.data))
        this.#outside.add(x);
    });
    const run = (xs: readonly NDArray[], a: A) => {
      const out = interpret(this.below, () => bind(name, primitive, xs, a));
      if (!xs.some((x) => arrayOf(x) === out.data)) this.#made.add(out.data);
      return out;
    };
    if (!batched.includes(true)) return run(inputs, attrs);
    if (primitive.batch === undefined) {
      throw new Error(
        `vmap: ${name} has no batching rule; give its primitive a batch rule (rules/batching.ts), or call it outside vmap`,
      );
    }
    const whole = arrays.map((x, i) => (batched[i] ? { data: x.data, shape: [this.size, ...x.shape] } : x));
    const out = primitive.batch(whole, batched, attrs, this.size, run);
    if (out.shape[0] !== this.size)
      throw new Error(
        `vmap: the batching of ${name} gave shape ${formatShape(out.shape)}, not a batch of ${this.size}`,
      );
    this.#batched.set(out.data, sizeOf(out.shape) / this.size);
    return { data: out.data, shape: out.shape.slice(1) };
  }

  /**
   * Whether `storage`, seen with `shape`, is a batch of examples of that shape. The array of an argument
   * mapped along axis 0 is the batch's array too: seen with the argument's own shape, it is not one.
   */
  #holdsBatch(storage: Storage, shape: readonly number[]): boolean {
    return this.#batched.get(storage) === sizeOf(shape);
  }

  allocate(dtype: DType, size: number, zeroed: boolean): Storage {
    return interpret(this.below, () => (zeroed ? allocate : allocateUnzeroed)(dtype, size));
  }

  effect(run: Effect, reads: readonly unknown[]): void {
    if (reads.some((x) => x instanceof Tensor && this.#holdsBatch(storageOf(x), x.shape)))
      throw new Error(
        'vmap: a change of state (backward() writing .grad, an optimizer step) would store a value per example; ' +
          'inside vmap, take gradients with grad(f) and return them',
      );
    interpret(this.below, () => sideEffect(run, reads));
  }

  read(x: NDArray, storage: Storage, what: string): Storage {
    if (this.#holdsBatch(storage, x.shape))
      throw new Error(
        `vmap: ${what} reads the values of a batched tensor (shape ${formatShape(x.shape)} per example) inside ` +
          'the mapped function, which sees one example at a time only as a shape; return it and read it ' +
          'outside, or choose by value with where()',
      );
    return interpret(this.below, () => read(x, storage, what));
  }

  created(storage: Storage): void {
    interpret(this.below, () => created(storage));
  }

  isConcrete(storage: Storage): boolean {
    return !this.#batched.has(storage) && interpret(this.below, () => isConcrete(storage));
  }
}

function checkVmapOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`vmap: expected options to be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'inAxes' && key !== 'outAxes')
      throw new TypeError(`vmap: unknown option '${key}'; the options are inAxes and outAxes`);
  }
}

/** inAxes as one entry per argument, each checked against its argument. */
function perArgument(inAxes: unknown, args: readonly unknown[]): (number | null)[] {
  const list = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
  if (list.length !== args.length)
    throw new RangeError(
      `vmap: inAxes has ${list.length} entries for a call with ${args.length} argument(s)`,
    );
  return list.map((axis, i) => {
    if (axis === null) return null;
    const x = args[i];
    if (!(x instanceof Tensor))
      throw new TypeError(
        `vmap: argument ${i} is ${describe(x)}, which has no axis ${describe(axis)} to map over; give it inAxes null`,
      );
    const a = normalizeAxis(`vmap (inAxes of argument ${i})`, axis, x.ndim);
    return a;
  });
}

/** The batch size: every batched argument's size along its axis, which must agree. */
function batchSize(args: readonly unknown[], inAxes: readonly (number | null)[]): number {
  let size: number | null = null;
  let first = -1;
  inAxes.forEach((axis, i) => {
    if (axis === null) return;
    const n = (args[i] as Tensor).shape[axis]!;
    if (size !== null && n !== size)
      throw new ShapeError(
        `vmap: batch sizes disagree: argument ${first} has ${size} along its axis ${inAxes[first]}, argument ${i} has ${n} along axis ${axis}`,
      );
    if (size === null) [size, first] = [n, i];
  });
  if (size === null) throw new Error('vmap: inAxes maps no argument; at least one must have a batch axis');
  return size;
}

function resultList(output: unknown): (Tensor | number)[] {
  const list = Array.isArray(output) ? output : [output];
  list.forEach((y, k) => {
    if (!(y instanceof Tensor || typeof y === 'number'))
      throw new TypeError(
        `vmap: f returned ${describe(y)}${Array.isArray(output) ? ` at position ${k}` : ''}; expected Tensors`,
      );
  });
  return list as (Tensor | number)[];
}

function perResult(outAxes: VmapOptions['outAxes'], count: number): number[] {
  if (outAxes === undefined) return new Array<number>(count).fill(0);
  if (typeof outAxes === 'number') return new Array<number>(count).fill(outAxes);
  if (!Array.isArray(outAxes))
    throw new TypeError(
      `vmap: expected outAxes to be a number or an array of numbers, got ${describe(outAxes)}`,
    );
  if (outAxes.length !== count)
    throw new RangeError(`vmap: outAxes has ${outAxes.length} entries for ${count} result(s)`);
  return [...outAxes];
}

/** The permutation that brings `axis` to the front, the others in order. */
function moveToFront(ndim: number, axis: number): number[] {
  return [axis, ...Array.from({ length: ndim }, (_, k) => k).filter((k) => k !== axis)];
}

/** The permutation that sends the front axis to `axis`, the others in order. */
function moveFromFront(ndim: number, axis: number): number[] {
  const rest = Array.from({ length: ndim - 1 }, (_, k) => k + 1);
  return [...rest.slice(0, axis), 0, ...rest.slice(axis)];
}
