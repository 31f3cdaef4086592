import { isAnomalyEnabled } from '../anomaly.js';
import type { Storage } from '../ndarray.js';
import { COPY } from '../ops/elementwise.js';
import { current, deviceOf } from '../run.js';
import { checkOptions, describe } from '../shape.js';
import { storageOf, Tensor } from '../tensor.js';
import { Program } from './program.js';
import { Trace } from './trace.js';

/** The most signatures a compiled function keeps programs for; the least recently used go first. */
const MAX_PROGRAMS = 64;

/** Options of `compile`. */
export interface CompileOptions {
  /**
   * Fuse runs of elementwise ops over one shape into one loop (default true). The bits are the same
   * either way; false is for measuring what fusion brings.
   */
  readonly fuse?: boolean;
}

/** One program of a compiled function: what its trace became. */
export interface ProgramInfo {
  /** The input signature it was traced for. */
  readonly signature: string;
  /** The steps it runs: kernels, fused loops and effects. */
  readonly steps: number;
  /** How many of those steps are fused loops, each standing for several elementwise ops (and a sum). */
  readonly fusedLoops: number;
  /** The arrays it holds for its intermediates, each reused by the values whose lifetimes do not overlap. */
  readonly buffers: number;
}

/** A function made by `compile`: call it as `f`. `traces` counts the signatures it has traced. */
export type Compiled<A extends unknown[], R> = ((...args: A) => R) & {
  readonly traces: number;
  /** What each signature's trace became. */
  readonly programs: readonly ProgramInfo[];
};

/** What a traced call's output becomes: its tensors as the slots that hold them, the rest as it was. */
type Template =
  | { readonly tensor: number; readonly shape: readonly number[] }
  | { readonly list: readonly Template[] }
  | { readonly record: readonly (readonly [string, Template])[] }
  | { readonly value: unknown };

/** What one signature's trace became: the program, and how its output is built from it. */
interface Specialization {
  readonly program: Program;
  readonly output: Template;
}

/**
 * Traces `f` once per input signature and runs it as a program afterwards, as JAX's `jit`. `f` takes
 * and returns Tensors, numbers, and arrays and plain objects of them; it may call `grad`, `valueAndGrad`
 * and `backward()`, and update parameters through an optimizer. The first call with a signature (the
 * arguments' structure, every tensor's shape and dtype, every number's value) runs `f` and records
 * every kernel it runs; later calls run the recorded kernels on the new arguments, on buffers planned from
 * their lifetimes, so a warm call allocates no array but its results. The results equal `f`'s bit for bit:
 * the same kernels run in the same order.
 *
 * What the trace cannot see: numbers are part of the signature (pass a rank-0 tensor for one that changes
 * from call to call); tensors that `f` reads without taking them as arguments (a model's parameters) are
 * read as they are at each call; `item()`, `toArray()` and `.data` of a tensor computed from the arguments
 * throw a TraceError, as the program cannot branch on values, and so do they of a tensor `f` closes over
 * (the program would keep the numbers read while tracing). The results are new tensors that record nothing.
 * Inside `compile`, `backward()` writes each leaf's gradient rather than adding to it: call `zeroGrad()`
 * first, inside the function (a call that would add throws, before it changes anything). A compiled
 * function called while another is traced is traced into it; called inside `detectAnomaly`, or from its
 * own program's side effects, it runs `f` eagerly. It keeps the programs of its 64 most recently used
 * signatures.
 *
 * @example
 * {@includeCode ../../doc-examples/compile.ts}
 */
export function compile<A extends unknown[], R>(
  f: (...args: A) => R,
  options: CompileOptions = {},
): Compiled<A, R> {
  if (typeof f !== 'function') throw new TypeError(`compile: expected a function, got ${describe(f)}`);
  checkOptions('compile', options, ['fuse']);
  const fuse = options.fuse ?? true;
  if (typeof fuse !== 'boolean')
    throw new TypeError(`compile: expected options.fuse to be true or false, got ${describe(fuse)}`);
  // the programs by signature, the most recently used last: at most MAX_PROGRAMS are kept
  const programs = new Map<string, Specialization>();
  let running = false;
  const leafIds = new WeakMap<Tensor, number>();
  let leaves = 0;
  const leafId = (x: Tensor): number => {
    if (!leafIds.has(x)) leafIds.set(x, leaves++);
    return leafIds.get(x)!;
  };
  const compiled = (...args: A): R => {
    if (current() instanceof Trace) return f(...args); // inlined into the trace that is recording
    // anomaly mode checks every op as eager code runs it, which a program does not: f runs eagerly;
    // and a call from inside its own program's run (an effect's) would overwrite the buffers in use
    if (isAnomalyEnabled() || running) return f(...args);
    const tensors: Tensor[] = [];
    const key = signature(args, tensors, leafId);
    const known = programs.get(key);
    running = true;
    try {
      if (known !== undefined) {
        programs.delete(key);
        programs.set(key, known);
        known.program.run(tensors);
        return build(known.output, known.program, tensors) as R;
      }
      // the trace runs f on copies of the arguments that need no gradient: a tensor f also closes over
      // (the same object, or a view of it) then reads its own storage, not the argument's slot
      const standIns = standInsFor(tensors);
      const trace = new Trace(standIns);
      const result = trace.record(() => f(...(withTensors(args, standIns) as A)));
      if (result instanceof Promise)
        throw new Error('compile: f returned a Promise; compile traces synchronous code');
      const output = template(result, trace, 'the result');
      const traced = { program: new Program(trace, { fuse }), output };
      programs.set(key, traced);
      // each fresh leaf that requires grad is a signature of its own: the least recently used go
      if (programs.size > MAX_PROGRAMS) programs.delete(programs.keys().next().value!);
      return build(output, traced.program, tensors) as R;
    } finally {
      running = false;
    }
  };
  return Object.defineProperties(compiled, {
    traces: { get: () => programs.size },
    programs: {
      get: () =>
        [...programs].map(([signature, { program }]) => ({
          signature,
          steps: program.steps,
          fusedLoops: program.fusedLoops,
          buffers: program.buffers,
        })),
    },
  }) as Compiled<A, R>;
}

/**
 * The signature of a call: its structure, each tensor's dtype and shape, each number's value, and which
 * tensors share their storage (the same tensor twice, or a view of another: the program reads one
 * argument slot for them); the tensors are collected in order. A tensor that requires grad is a leaf
 * whose gradient the program may write, so it is part of the signature as itself.
 */
function signature(args: readonly unknown[], tensors: Tensor[], leafId: (x: Tensor) => number): string {
  const parts: string[] = [];
  // an explicit stack, not recursion: an argument nested 10⁵ deep is read, one that contains itself refused
  const open = new Set<object>();
  const stack: (
    | { readonly x: unknown; readonly path: string }
    | { readonly close: object; readonly mark: string }
  )[] = args.map((x, i) => ({ x, path: `argument ${i}` })).reverse();
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('close' in item) {
      open.delete(item.close);
      parts.push(item.mark);
      continue;
    }
    const { x, path } = item;
    if (x instanceof Tensor) {
      const shared = tensors.findIndex((t) => storageOf(t) === storageOf(x));
      tensors.push(x);
      const leaf = x.requiresGrad ? `#${leafId(x)}` : '';
      parts.push(`T${x.dtype}[${x.shape.join(',')}]${leaf}${shared >= 0 ? `=${shared}` : ''}`);
    } else if (typeof x === 'number') parts.push(Object.is(x, -0) ? 'n-0' : `n${x}`);
    else if (typeof x === 'boolean' || typeof x === 'string' || x === null || x === undefined)
      parts.push(JSON.stringify(x) ?? 'u');
    else if (Array.isArray(x) || isPlainObject(x)) {
      if (open.has(x))
        throw new TypeError(
          `compile: ${path} contains itself (a cycle); a compiled function takes trees of values`,
        );
      open.add(x);
      const entries: [string, unknown][] = Array.isArray(x)
        ? x.map((v, i) => [`${path}[${i}]`, v])
        : Object.keys(x).map((k) => [`${path}.${k}`, (x as Record<string, unknown>)[k]]);
      parts.push(
        Array.isArray(x)
          ? `[${x.length}`
          : `{${Object.keys(x)
              .map((k) => JSON.stringify(k))
              .join(',')}`,
      );
      stack.push({ close: x, mark: Array.isArray(x) ? ']' : '}' });
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ x: entries[i]![1], path: entries[i]![0] });
    } else {
      throw new TypeError(
        `compile: ${path} is ${describe(x)}; a compiled function takes Tensors, numbers, and arrays and plain objects of them`,
      );
    }
  }
  return parts.join(' ');
}

/** For each argument tensor, what the trace sees: itself if it requires grad, else a copy (one per storage). */
function standInsFor(tensors: readonly Tensor[]): Tensor[] {
  const copies = new Map<Storage, Storage>();
  return tensors.map((x) => {
    if (x.requiresGrad) return x;
    const storage = storageOf(x);
    if (!copies.has(storage)) copies.set(storage, copyOf(storage, x.shape));
    return new Tensor(copies.get(storage)!, x.shape);
  });
}

/**
 * `args` with its tensors replaced by `replacements`, in the order `signature` met them (depth first,
 * left to right), arrays and plain objects copied: an explicit stack, as for the signature.
 */
function withTensors(args: readonly unknown[], replacements: readonly Tensor[]): unknown[] {
  let k = 0;
  const root = new Array<unknown>(args.length);
  const stack: { readonly source: unknown; readonly set: (v: unknown) => void }[] = [];
  for (let i = args.length - 1; i >= 0; i--) stack.push({ source: args[i], set: (v) => (root[i] = v) });
  while (stack.length > 0) {
    const { source, set } = stack.pop()!;
    if (source instanceof Tensor) set(replacements[k++]);
    else if (Array.isArray(source)) {
      const copy = new Array<unknown>(source.length);
      set(copy);
      for (let i = source.length - 1; i >= 0; i--)
        stack.push({ source: source[i], set: (v) => (copy[i] = v) });
    } else if (isPlainObject(source)) {
      const copy = Object.create(Object.getPrototypeOf(source)) as Record<string, unknown>;
      set(copy);
      const keys = Object.keys(source);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ source: (source as Record<string, unknown>)[key], set: (v) => (copy[key] = v) });
      }
    } else set(source);
  }
  return root;
}

function isPlainObject(x: unknown): x is object {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The output of the traced call as a template: each tensor pinned, as the program must keep it. */
function template(x: unknown, trace: Trace, path: string): Template {
  if (x instanceof Tensor) return { tensor: trace.pin(storageOf(x)), shape: x.shape };
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'string' || x == null)
    return { value: x };
  if (Array.isArray(x)) return { list: x.map((v, i) => template(v, trace, `${path}[${i}]`)) };
  if (isPlainObject(x))
    return {
      record: Object.entries(x).map(([k, v]) => [k, template(v, trace, `${path}.${k}`)] as const),
    };
  throw new TypeError(
    `compile: ${path} holds ${describe(x)}; a compiled function returns Tensors, numbers, and arrays and plain objects of them`,
  );
}

/** The output of a call from its template: each tensor a copy of what the program holds for it. */
function build(t: Template, program: Program, args: readonly Tensor[]): unknown {
  if ('tensor' in t) return new Tensor(copyOf(program.storageOf(t.tensor, args), t.shape), t.shape);
  if ('list' in t) return t.list.map((v) => build(v, program, args));
  if ('record' in t) return Object.fromEntries(t.record.map(([k, v]) => [k, build(v, program, args)]));
  return t.value;
}

/** A copy of an array, on its device: a GPU's is copied there (its values cannot be read at once). */
function copyOf(storage: Storage, shape: readonly number[]): Storage {
  const device = deviceOf(storage);
  return device === null
    ? storage.slice()
    : device.bind('copy', COPY, [{ data: storage, shape }], undefined).data;
}
