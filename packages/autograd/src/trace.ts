// The recording side of compile(): while a function is traced, every kernel an op runs is logged as a
// step of a program, with the arrays it reads and the arrays it allocates; effects (an optimizer's update,
// zeroGrad, backward's writing of a leaf's gradient) are logged as steps too. program.ts plans and runs
// them. Imports ndarray.ts, shape.ts and the sum's rule (which a fused loop may end with); tensor.ts,
// dispatch.ts and graph.ts call in here.
import { identity, type Scalar } from './fusion.js';
import {
  allocate,
  allocateFresh,
  type DType,
  dtypeOf,
  type NDArray,
  reducedShape,
  type Storage,
  setAllocator,
  setDataReader,
} from './ndarray.js';
import { layoutRules } from './rules/layout.js';
import { type ReduceAttrs, reduceRules } from './rules/reduce.js';
import type { TensorRule } from './rules/rule.js';
import { describe, formatShape } from './shape.js';

/** A kernel as a program step runs it: the inputs' arrays in, the output's storage out. */
export type Kernel = (inputs: readonly NDArray[]) => Storage;

/** Where the storage an op reads comes from. */
type SlotKind = 'argument' | 'computed' | 'constant';

export interface Slot {
  readonly kind: SlotKind;
  /** The storage the trace ran on. */
  readonly storage: Storage;
  /** For an argument, its position among the arguments' tensors. */
  readonly argument: number;
  /** For a computed slot, the op that made it (what a TraceError names). */
  readonly op: string;
  /** Kept for the program's whole life: an output, or read by an effect (which holds the storage itself). */
  pinned: boolean;
}

/** An input of a kernel step: the slot it reads, in the shape the op saw. */
export interface InputRef {
  readonly slot: number;
  readonly shape: readonly number[];
}

export type Step =
  | {
      readonly kind: 'kernel';
      readonly op: string;
      readonly kernel: Kernel;
      readonly inputs: readonly InputRef[];
      /** The slots of the arrays the kernel allocated, in the order it allocated them. */
      readonly allocations: readonly number[];
      readonly output: number;
      /** For an elementwise step, what it computes at one position: what fusion needs. */
      readonly scalar?: Scalar | undefined;
    }
  | { readonly kind: 'effect'; readonly run: () => void };

/** The trace being recorded, or null: what every op checks before it runs its kernel. */
export let tracing: Trace | null = null;

/** Thrown when a traced function reads a value the trace cannot see: JAX's concretization error. */
export class TraceError extends Error {
  override name = 'TraceError';
}

/** A recording in progress: the slots of every storage the traced ops touched, and the steps. */
export class Trace {
  readonly slots: Slot[] = [];
  readonly steps: Step[] = [];
  readonly #slotOf = new Map<Storage, number>();
  /** Collects the allocations of the kernel running now (null between kernels). */
  #allocations: number[] | null = null;
  #op = '';
  /** Above 0 while the engine itself reads arrays (a kernel, an effect): then `.data` is not the user's read. */
  #open = 0;
  /** The storage behind each guarded tensor's `.data`, and the arguments, whose guards come off at the end. */
  readonly #guarded = new WeakMap<object, Storage>();
  readonly #arguments: NDArray[] = [];

  /** Starts recording; the storages of `args` (tensors) are the program's arguments, in order. */
  constructor(args: readonly NDArray[]) {
    for (const [i, x] of args.entries()) {
      if (this.#slotOf.has(x.data)) continue; // the same tensor twice: one argument slot
      this.#add({ kind: 'argument', storage: x.data, argument: i, op: 'argument' });
      this.#arguments.push(x);
    }
  }

  /** Runs `fn` with this trace recording; what it returns, and the trace stopped even if it throws. */
  record<T>(fn: () => T): T {
    if (tracing !== null) throw new Error('compile: a trace is already being recorded');
    tracing = this;
    const previous = setDataReader((x) => this.raw(x));
    for (const x of this.#arguments) this.guard(x);
    try {
      return fn();
    } finally {
      tracing = null;
      setDataReader(previous);
      for (const x of this.#arguments) {
        Object.defineProperty(x, 'data', {
          value: x.data,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
  }

  /**
   * Makes reading `x.data` inside the traced function a TraceError when x depends on the arguments (the
   * engine's own reads pass, and after the trace every read does): JAX's concretization error for `.data`.
   */
  guard(x: NDArray): void {
    const data = x.data;
    const slot = this.#slotOf.get(data);
    if (slot === undefined || this.slots[slot]!.kind === 'constant' || this.#guarded.has(x)) return;
    this.#guarded.set(x, data);
    const trace = this;
    Object.defineProperty(x, 'data', {
      configurable: true,
      enumerable: true,
      get(): Storage {
        if (tracing === trace && trace.#open === 0) trace.checkConcrete(data, x.shape, 'reading .data');
        return data;
      },
    });
  }

  /** `x.data` as the engine reads it: never a TraceError. */
  raw(x: NDArray): Storage {
    return this.#guarded.get(x) ?? x.data;
  }

  /** Whether `x` is a value of the trace (it depends on the arguments): what printing shows as traced. */
  isTraced(x: NDArray): boolean {
    return this.#guarded.has(x);
  }

  /** Runs `kernel` now and logs it as a step; returns its output. */
  perform(op: string, kernel: Kernel, inputs: readonly NDArray[], scalar?: Scalar): Storage {
    if (this.#allocations !== null) return kernel(inputs); // a kernel inside a kernel: part of the outer step
    const refs = inputs.map((x) => ({ slot: this.#slotFor(this.raw(x)), shape: x.shape }));
    const allocations: number[] = [];
    this.#allocations = allocations;
    this.#op = op;
    const previous = setAllocator(this.#allocate);
    let output: Storage;
    this.#open++;
    try {
      output = kernel(inputs);
    } finally {
      this.#open--;
      setAllocator(previous);
      this.#allocations = null;
    }
    const index = this.#slotOf.get(output);
    // a view (reshape) returns an input's storage: nothing to run again
    if (index !== undefined && !allocations.includes(index)) return output;
    const out = index ?? this.#add({ kind: 'computed', storage: output, argument: -1, op });
    this.steps.push({ kind: 'kernel', op, kernel, inputs: refs, allocations, output: out, scalar });
    return output;
  }

  /** Runs `run` now, and logs it as a step; the storages of `reads` are pinned, as `run` holds them. */
  effect(run: () => void, reads: readonly NDArray[]): void {
    for (const x of reads) this.pin(this.raw(x));
    this.steps.push({ kind: 'effect', run });
    this.#open++;
    try {
      run();
    } finally {
      this.#open--;
    }
  }

  /**
   * The storage of a copy of `x`, as a leaf's gradient: in a program, a computed array that no leaf holds
   * yet is its own copy (pinned, so that no later step reuses its buffer); anything else is copied.
   */
  snapshot(x: NDArray): Storage {
    const data = this.raw(x);
    const slot = this.#slotOf.get(data);
    const s = slot === undefined ? undefined : this.slots[slot]!;
    if (s === undefined || s.kind !== 'computed' || s.pinned) return this.perform('copy', copyKernel, [x]);
    s.pinned = true;
    return data;
  }

  /** Pins `data`: the program keeps it (an output, or a storage that lives on in a tensor). */
  pin(data: Storage): number {
    const slot = this.#slotFor(data);
    this.slots[slot]!.pinned = true;
    return slot;
  }

  /** Throws a TraceError if `data` depends on the arguments: `what` read its values inside the trace. */
  checkConcrete(data: Storage, shape: readonly number[], what: string): void {
    const slot = this.#slotOf.get(data);
    if (slot === undefined) return;
    const { kind, op, argument } = this.slots[slot]!;
    if (kind === 'constant') return;
    const origin = kind === 'argument' ? `argument tensor ${argument}` : `the result of ${op}`;
    throw new TraceError(
      `compile: ${what} reads the values of a tensor (shape ${formatShape(shape)}, ${origin}) inside the compiled ` +
        'function. The compiled program runs without the function, so nothing in it may depend on the ' +
        'values it computes; return the tensor and read it outside, or use where() for a choice by value',
    );
  }

  readonly #allocate = (dtype: DType, size: number): Storage => {
    const storage = allocateFresh(dtype, size);
    this.#allocations!.push(this.#add({ kind: 'computed', storage, argument: -1, op: this.#op }));
    return storage;
  };

  #slotFor(data: Storage): number {
    return this.#slotOf.get(data) ?? this.#add({ kind: 'constant', storage: data, argument: -1, op: '' });
  }

  #add(slot: Omit<Slot, 'pinned'>): number {
    const index = this.slots.length;
    this.slots.push({ ...slot, pinned: false });
    this.#slotOf.set(slot.storage, index);
    return index;
  }
}

/** Runs `kernel` on `inputs`, logged as a step when a trace is recording: how an op runs its kernel. */
export function perform(op: string, kernel: Kernel, inputs: readonly NDArray[], scalar?: Scalar): Storage {
  return tracing === null ? kernel(inputs) : tracing.perform(op, kernel, inputs, scalar);
}

/**
 * Runs `run`, a change of state the engine makes on a caller's behalf (an optimizer's update, a gradient
 * written to a leaf); inside `compile` it is also a step of the program, run again at this point of every
 * call. `reads` are the tensors whose values it reads, so that the program keeps them where `run` finds them.
 */
export function effect(run: () => void, reads: readonly NDArray[] = []): void {
  if (typeof run !== 'function')
    throw new TypeError(`effect: expected run to be a function, got ${describe(run)}`);
  if (tracing === null) run();
  else tracing.effect(run, reads);
}

/** The kernel of a copy: what `snapshot` runs while a trace records. */
export function copyKernel([x]: readonly NDArray[]): Storage {
  const out = allocate(dtypeOf(x!.data), x!.data.length);
  out.set(x!.data);
  return out;
}

/**
 * A Tensor rule's forward, run as a step while a trace records. Arrays among its attributes (gather's
 * index) are constants of the program: checkIndex reads an index's values, so a traced one never gets here.
 */
export function performRule<A>(
  name: string,
  rule: TensorRule<A>,
  attrs: A,
  inputs: readonly NDArray[],
): NDArray {
  // a sum can end a fused loop: it says what it sums into; a broadcast is the identity, read broadcast,
  // so a loop can take it in (where its input is one band of the output's axes) and no copy is made
  const scalar: Scalar | undefined =
    (rule as unknown) === reduceRules.sum
      ? { sum: reducedShape(inputs[0]!.shape, (attrs as ReduceAttrs).axes, true), shape: inputs[0]!.shape }
      : (rule as unknown) === layoutRules.broadcastTo
        ? { fn: identity, shape: attrs as readonly number[] }
        : undefined;
  let shape: readonly number[] = [];
  const kernel = (x: readonly NDArray[]) => {
    const out = rule.forward(x, attrs);
    shape = out.shape;
    return out.data;
  };
  const data = perform(name, kernel, inputs, scalar); // sets `shape`
  return { data, shape };
}
