// The seam: the one place that decides how a primitive's kernel runs, where its arrays come from, how a
// change of state is made and what a read of values gives. With no interpreter installed, everything
// runs eagerly, here, or on the device that holds the inputs (a Device: WebGPU's backend). An
// interpreter installed with `interpret` (compile's trace and its programs, vmap's batching) sees every
// one of these, and the engine below never asks which.
// Imports ndarray.ts, scope.ts, shape.ts and the rules' types only.
import { allocateFresh, arrayOf, type DType, type NDArray, ON_DEVICE, type Storage } from './ndarray.js';
import type { Primitive } from './rules/rule.js';
import { Mode } from './scope.js';
import { describe, formatShape } from './shape.js';

/** What runs the engine's primitives, allocations, effects and reads while it is installed. */
export interface Interpreter {
  /** Runs `primitive` on `inputs` (named `name`, as errors and traces show it). */
  bind<A>(name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray;
  /** An array for a kernel: zeros, or (`zeroed` false) any values, as the kernel writes every element. */
  allocate(dtype: DType, size: number, zeroed: boolean): Storage;
  /** Runs a change of state; `reads` are the values (of any kind) whose arrays it reads. */
  effect(run: Effect, reads: readonly unknown[]): void;
  /** `storage`, the array of `x`, as a caller reads its values (`what` names the read, for errors). */
  read(x: NDArray, storage: Storage, what: string): Storage;
  /** `storage` is the array of a new leaf, made by a creation function (tensor, zeros, randn…) while installed. */
  created(storage: Storage): void;
  /** Whether `storage` holds values that can be read now (not a symbol of a trace). */
  isConcrete(storage: Storage): boolean;
  /** `x`'s values (its array `storage`, the CPU's) moved to `device`; without it, `x` is read and moved. */
  transfer?(x: NDArray, storage: Storage, device: Device): Storage;
}

/**
 * A change of state made on a caller's behalf (an optimizer's update, a gradient written to a leaf).
 * `staged` is true when it runs as a step of a program, at every call of it: there a gradient is written,
 * not added to (what an earlier call left would otherwise be added to).
 */
export type Effect = (staged: boolean) => void;

/** The interpreter installed now; null runs everything eagerly. */
const installed = new Mode<Interpreter | null>(null);

/** The interpreter installed now, or null: for interpreters that nest or inline into each other. */
export function current(): Interpreter | null {
  return installed.value;
}

/** Runs `fn` with `interpreter` installed (null: eagerly), and restores the one before even if it throws. */
export function interpret<T>(interpreter: Interpreter | null, fn: () => T): T {
  return installed.with(interpreter, fn);
}

/** Applies a primitive: its kernel eagerly, or whatever the installed interpreter makes of it. */
export function bind<A>(
  name: string,
  primitive: Primitive<A>,
  inputs: readonly NDArray[],
  attrs: A,
): NDArray {
  const i = installed.value;
  if (i !== null) return i.bind(name, primitive, inputs, attrs);
  const device = placeOf(name, inputs);
  return device === null ? primitive.forward(inputs, attrs) : device.bind(name, primitive, inputs, attrs);
}

/**
 * A place other than the CPU's memory where arrays live and primitives run (WebGPU): a backend that
 * `bind` hands every primitive whose inputs are on it. Its arrays pass as `Storage` but hold no values
 * on the CPU; any read of one throws. Devices are added by their module (`await webgpu()`).
 */
export interface Device {
  /** What `tensor.device` says, and what `{ device }` and `to()` take. */
  readonly name: string;
  /**
   * Runs `primitive` on `inputs`: its own arrays, and rank-0 arrays of the CPU (a number operand, as
   * PyTorch lets a CPU scalar meet a GPU tensor), which it copies over itself.
   */
  bind<A>(name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray;
  /** An array of this device holding `data`'s values (float32 only: `op` names the caller in the Error). */
  upload(data: Storage, op: string): Storage;
  /** The values of one of its arrays, copied back to the CPU's memory. */
  download(data: Storage): Promise<Storage>;
  /** Copies `source` into `target`, two of its arrays of one length: an optimizer's step, in place. */
  overwrite(target: Storage, source: Storage): void;
  /**
   * Runs `run` with the arrays its kernels allocate taken from `outputs`, in order (a compiled program's
   * planned buffers, written in place at every call).
   */
  planned<T>(outputs: readonly Storage[], run: () => T): T;
  /** Sends what it has recorded to the hardware (a compiled program's calls end with one submission). */
  flush(): void;
  /** The length in elements of one of its arrays (whose `length` cannot be read on the CPU). */
  lengthOf(data: Storage): number;
  /**
   * One kernel for a run of elementwise steps of a compiled program (compile's fusion): it reads
   * `inputs`' arrays and writes the values of the steps named in `group.outputs` into `outputs`. Null
   * where the device cannot: then each step runs on its own.
   */
  fuse?(group: ElementwiseGroup): ((inputs: readonly Storage[], outputs: readonly Storage[]) => void) | null;
}

/**
 * Consecutive elementwise steps over one shape, as a device fuses them: each step's forward as an
 * expression over `$0`, `$1`… (`wgsl`, or JavaScript `source` to translate), whose operands are the
 * group's inputs (read broadcast to `shape`) or the values of earlier steps.
 */
export interface ElementwiseGroup {
  readonly shape: readonly number[];
  /** The shapes of the arrays it reads, as the steps read them. */
  readonly inputs: readonly (readonly number[])[];
  readonly steps: readonly {
    readonly operands: readonly ({ readonly input: number } | { readonly step: number })[];
    readonly source?: string | undefined;
    readonly wgsl?: string | undefined;
  }[];
  /** The steps whose values are written out (read after the group, or kept), in order. */
  readonly outputs: readonly number[];
}

/** The devices added so far, by name: state the contract names (`await webgpu()` adds one). */
const devices = new Map<string, Device>();

/** Makes `device` available to `{ device }` and `to()`; a later device of the same name replaces it. */
export function addDevice(device: Device): void {
  devices.set(device.name, device);
}

/** The device named `name`; an Error naming `op` when it is not one, or not set up yet. */
export function deviceNamed(op: string, name: unknown): Device | null {
  if (name === 'cpu') return null;
  const device = typeof name === 'string' ? devices.get(name) : undefined;
  if (device !== undefined) return device;
  if (name === 'webgpu')
    throw new Error(
      `${op}: device 'webgpu' is not set up: call await webgpu() (from '@adjoint/autograd/webgpu') first`,
    );
  throw new TypeError(`${op}: expected device 'cpu' or 'webgpu', got ${describe(name)}`);
}

/** The device whose array `data` is; null for an array in the CPU's memory. */
export function deviceOf(data: Storage): Device | null {
  // until a device is added, every array is the CPU's: no lookup on the eager path
  if (devices.size === 0) return null;
  return (data as { readonly [ON_DEVICE]?: Device })[ON_DEVICE] ?? null;
}

/**
 * Where a primitive on `inputs` runs: null on the CPU, or the one device that holds them. Inputs on two
 * devices are an Error naming both, except a rank-0 array of the CPU beside a device's (a number operand).
 */
export function placeOf(name: string, inputs: readonly NDArray[]): Device | null {
  if (devices.size === 0) return null;
  let device: Device | null = null;
  let at = -1;
  for (let k = 0; k < inputs.length; k++) {
    const d = deviceOf(arrayOf(inputs[k]!));
    if (d === null || d === device) continue;
    if (device !== null) throw mixed(name, inputs, at, k);
    device = d;
    at = k;
  }
  if (device !== null)
    for (let k = 0; k < inputs.length; k++) {
      const x = inputs[k]!;
      if (deviceOf(arrayOf(x)) === null && x.shape.length > 0) throw mixed(name, inputs, at, k);
    }
  return device;
}

function mixed(name: string, inputs: readonly NDArray[], a: number, b: number): Error {
  const where = (k: number) => {
    const x = inputs[k]!;
    return `${deviceOf(arrayOf(x))?.name ?? 'cpu'} (input ${k}, shape ${formatShape(x.shape)})`;
  };
  return new Error(
    `${name}: the inputs are on two devices, ${where(Math.min(a, b))} and ${where(Math.max(a, b))}; move one with .to(device) ` +
      '(only a rank-0 tensor of the CPU, such as a number operand, may meet a tensor of another device)',
  );
}

/** Zeros of `dtype`: every array a kernel makes comes from here, so an interpreter can plan them. */
export function allocate(dtype: DType, size: number): Storage {
  const i = installed.value;
  return i === null ? allocateFresh(dtype, size) : i.allocate(dtype, size, true);
}

/**
 * `allocate` for a kernel that writes every element before it reads any: a program hands it its
 * planned buffer as the last call left it, where `allocate` zeros it first (W6's step zeroed 10⁷
 * elements that its kernels then overwrote). Eagerly, a new array: zeros.
 */
export function allocateUnzeroed(dtype: DType, size: number): Storage {
  const i = installed.value;
  return i === null ? allocateFresh(dtype, size) : i.allocate(dtype, size, false);
}

/** A new array holding `source`'s elements from `start` to `end` (all by default): an allocation too. */
export function duplicate(source: Storage, start = 0, end = source.length): Storage {
  const i = installed.value;
  if (i === null) return source.slice(start, end);
  const out = i.allocate(source instanceof Float32Array ? 'float32' : 'float64', end - start, false);
  out.set(source.subarray(start, end));
  return out;
}

/**
 * Runs `run`, a change of state the engine makes on a caller's behalf; inside `compile` it is also a step
 * of the program, run again at this point of every call. `reads` are the tensors whose values it reads,
 * so that a program keeps them where `run` finds them.
 */
export function sideEffect(run: Effect, reads: readonly unknown[] = []): void {
  if (typeof run !== 'function')
    throw new TypeError(`sideEffect: expected run to be a function, got ${describe(run)}`);
  const i = installed.value;
  if (i === null) run(false);
  else i.effect(run, reads);
}

/** The values of `x` (whose array is `storage`) as a caller reads them: `what` names the read. */
export function read(x: NDArray, storage: Storage, what: string): Storage {
  const device = deviceOf(storage);
  if (device !== null)
    throw new Error(
      `${what}: the tensor (shape ${formatShape(x.shape)}) is on ${device.name}, whose values are read ` +
        "asynchronously: use await x.dataAsync(), await x.toArrayAsync() or await x.to('cpu')",
    );
  const i = installed.value;
  return i === null ? storage : i.read(x, storage, what);
}

/**
 * `x`'s values (its array `storage`, in the CPU's memory) as a new array of `device`: `to(device)`. Inside
 * compile, a step of the program (each call moves its own values); `what` names the read otherwise.
 */
export function transfer(x: NDArray, storage: Storage, device: Device, what: string): Storage {
  const i = installed.value;
  if (i?.transfer !== undefined) return i.transfer(x, storage, device);
  return device.upload(read(x, storage, what), 'to');
}

/** Tells the installed interpreter that `storage` is the array of a leaf made now (by tensor(), zeros()…). */
export function created(storage: Storage): void {
  installed.value?.created(storage);
}

/** Whether the values in `storage` can be read now: false for a value an interpreter only traces. */
export function isConcrete(storage: Storage): boolean {
  const i = installed.value;
  return i === null || i.isConcrete(storage);
}
