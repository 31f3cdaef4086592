// The recording side of compile(): an interpreter of the seam (run.ts) that runs every primitive as the
// eager engine would and logs it as a step of a program, with the arrays it reads and the arrays it
// allocates; effects (an optimizer's update, zeroGrad, backward's writing of a leaf's gradient) are logged
// as steps too. program.ts plans and runs them. compile/ sits above the engine: nothing below imports it.
import { allocateFresh, type DType, type NDArray, type Storage } from '../ndarray.js';
import type { LoopStep, Primitive } from '../rules/rule.js';
import { bind, current, type Device, type Effect, type Interpreter, interpret, placeOf } from '../run.js';
import { formatShape } from '../shape.js';
import { storageOf, Tensor } from '../tensor.js';

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
      /** What the step computes at one position, where a fused loop may take it in. */
      readonly scalar?: LoopStep | undefined;
    }
  | { readonly kind: 'effect'; readonly run: () => void };

/** Thrown when a traced function reads a value the trace cannot see: JAX's concretization error. */
export class TraceError extends Error {
  override name = 'TraceError';
}

/** A recording in progress: the slots of every storage the traced ops touched, and the steps. */
export class Trace implements Interpreter {
  readonly slots: Slot[] = [];
  readonly steps: Step[] = [];
  readonly #slotOf = new Map<Storage, number>();
  /** Collects the allocations of the kernel running now (null between kernels). */
  #allocations: number[] | null = null;
  #op = '';
  /** Above 0 while an effect runs. */
  #effects = 0;
  /** Above 0 while the engine itself reads arrays (a kernel, an effect): then `.data` is not the user's read. */
  #open = 0;
  /** The arrays made while recording, by creation functions or outside a kernel: not closed over by `f`. */
  readonly #made = new WeakSet<Storage>();

  /** Starts recording; the storages of `args` (tensors) are the program's arguments, in order. */
  constructor(args: readonly Tensor[]) {
    for (const [i, x] of args.entries()) {
      const storage = storageOf(x);
      if (this.#slotOf.has(storage)) continue; // the same tensor twice: one argument slot
      this.#add({ kind: 'argument', storage, argument: i, op: 'argument' });
    }
  }

  /** Runs `fn` with this trace recording; what it returns, and the trace stopped even if it throws. */
  record<T>(fn: () => T): T {
    if (current() instanceof Trace) throw new Error('compile: a trace is already being recorded');
    return interpret(this, fn);
  }

  /**
   * The user's read of `x`'s values (the engine's pass): a TraceError when they depend on the arguments,
   * or when `x` is a tensor the function closes over, whose values the program would keep as they were
   * when traced rather than read at each call.
   */
  read(x: NDArray, storage: Storage, what: string): Storage {
    if (this.#open > 0) return storage;
    this.checkConcrete(storage, x.shape, what);
    if (!this.#made.has(storage)) {
      throw new TraceError(
        `compile: ${what} reads the values of a tensor (shape ${formatShape(x.shape)}) that the compiled function ` +
          'closes over. The program keeps numbers read while tracing, so it would not see later changes to them; ' +
          'pass the tensor as an argument or use it in tensor ops (which read it at every call), or read it ' +
          'outside the compiled function',
      );
    }
    return storage;
  }

  created(storage: Storage): void {
    this.#made.add(storage);
  }

  /** Whether `storage` is a constant of the program (it does not depend on the arguments). */
  isConcrete(storage: Storage): boolean {
    const slot = this.#slotOf.get(storage);
    return slot === undefined || this.slots[slot]!.kind === 'constant';
  }

  /**
   * Runs `primitive` now and logs it as a step; returns its output. A copy made only so that no two values
   * share memory is, for a computed array that nothing holds yet, that array itself (pinned, so that no
   * later step reuses its buffer).
   */
  bind<A>(name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray {
    if (this.#allocations !== null) return primitive.forward(inputs, attrs); // inside a kernel: part of its step
    // an effect's own ops (an optimizer's update on a device) run now, and again when the effect runs at
    // each call: they are not steps (whose buffers the program would share while the effect holds them)
    if (this.#effects > 0) return interpret(null, () => bind(name, primitive, inputs, attrs));
    const device = placeOf(name, inputs); // inputs on two devices are an Error here as eagerly
    if (device !== null) return this.#bindOnDevice(device, name, primitive, inputs, attrs);
    if (primitive.copy === true) {
      const data = this.#storage(inputs[0]!);
      const slot = this.#slotOf.get(data);
      const s = slot === undefined ? undefined : this.slots[slot]!;
      if (s !== undefined && s.kind === 'computed' && !s.pinned) {
        s.pinned = true;
        return { data, shape: inputs[0]!.shape };
      }
    }
    const refs = inputs.map((x) => ({ slot: this.#slotFor(this.#storage(x)), shape: x.shape }));
    const allocations: number[] = [];
    this.#allocations = allocations;
    this.#op = name;
    let out: NDArray;
    this.#open++;
    try {
      out = primitive.forward(inputs, attrs);
    } finally {
      this.#open--;
      this.#allocations = null;
    }
    const index = this.#slotOf.get(out.data);
    // a view (reshape) returns an input's storage: nothing to run again
    if (index !== undefined && !allocations.includes(index)) return out;
    const output = index ?? this.#add({ kind: 'computed', storage: out.data, argument: -1, op: name });
    const kernel: Kernel = (x) => primitive.forward(x, attrs).data;
    const scalar = primitive.loop?.(inputs, attrs, out);
    this.steps.push({ kind: 'kernel', op: name, kernel, inputs: refs, allocations, output, scalar });
    return out;
  }

  /**
   * A primitive on a device: run there now and logged as a step that runs it there again, on the same
   * slots; the device allocates its output itself (a program hands it the trace's array to write, see
   * Program); runs of its elementwise steps become the device's own fused kernels, never the CPU's loops.
   */
  #bindOnDevice<A>(
    device: Device,
    name: string,
    primitive: Primitive<A>,
    inputs: readonly NDArray[],
    attrs: A,
  ) {
    const refs = inputs.map((x) => ({ slot: this.#slotFor(this.#storage(x)), shape: x.shape }));
    const out = interpret(null, () => device.bind(name, primitive, inputs, attrs));
    // a view (reshape) returns an input's array: nothing to run again
    if (this.#slotOf.has(out.data)) return out;
    const output = this.#add({ kind: 'computed', storage: out.data, argument: -1, op: name });
    const kernel: Kernel = (x) => device.bind(name, primitive, x, attrs).data;
    const scalar = primitive.loop?.(inputs, attrs, out); // what the device's fused kernel may make of it
    this.steps.push({ kind: 'kernel', op: name, kernel, inputs: refs, allocations: [], output, scalar });
    return out;
  }

  /**
   * `to(device)` of a CPU array: moved now, and logged as a step that moves the array's values at each
   * call (a batch passed as an argument goes to the GPU inside the program).
   */
  transfer(x: NDArray, storage: Storage, device: Device): Storage {
    const input = { slot: this.#slotFor(storage), shape: x.shape };
    const data = device.upload(storage, 'to');
    const output = this.#add({ kind: 'computed', storage: data, argument: -1, op: 'to' });
    const kernel: Kernel = ([values]) => device.upload(values!.data, 'to');
    this.steps.push({ kind: 'kernel', op: 'to', kernel, inputs: [input], allocations: [], output });
    return data;
  }

  /** An array for the kernel running now, logged as one of its allocations; outside a kernel, a new one. */
  allocate(dtype: DType, size: number): Storage {
    const storage = allocateFresh(dtype, size);
    if (this.#allocations !== null)
      this.#allocations.push(this.#add({ kind: 'computed', storage, argument: -1, op: this.#op }));
    else this.#made.add(storage);
    return storage;
  }

  /** Runs `run` now as a program's step, and logs it; the arrays of the tensors in `reads` are pinned. */
  effect(run: Effect, reads: readonly unknown[]): void {
    for (const x of reads) if (x instanceof Tensor) this.pin(storageOf(x));
    this.steps.push({ kind: 'effect', run: () => run(true) });
    this.#open++;
    this.#effects++;
    try {
      run(true);
    } finally {
      this.#open--;
      this.#effects--;
    }
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

  #storage(x: NDArray): Storage {
    return x instanceof Tensor ? storageOf(x) : x.data;
  }

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
