// A compiled program: the steps of a trace, fused where they can be, with every array planned from the
// lifetimes of the values it holds. Run again, it allocates no array of its own: while it runs, it is the
// seam's interpreter (run.ts), and hands each kernel the buffer its plan has for that allocation.
import { type DType, dtypeOf, type NDArray, type Storage } from '../ndarray.js';
import type { Primitive } from '../rules/rule.js';
import { type Device, deviceOf, type Effect, type Interpreter, interpret } from '../run.js';
import { storageOf, type Tensor } from '../tensor.js';
import { type Fused, fuseOnDevice, fuse as fuseSteps } from './fusion.js';
import type { InputRef, Kernel, Slot, Step, Trace } from './trace.js';

/** An input of a step as the program runs it: the array it reads (an argument's changes every call). */
interface RunInput {
  data: Storage;
  readonly shape: readonly number[];
}

/** A step as the program runs it. */
type RunStep =
  | {
      readonly kind: 'kernel';
      readonly kernel: Kernel;
      readonly inputs: readonly RunInput[];
      /** The buffers handed to the kernel's allocations, in order. */
      readonly buffers: readonly Storage[];
      readonly output: Storage;
      /** The device the step runs on (which writes its output into `output` itself), or null. */
      readonly device: Device | null;
    }
  | {
      readonly kind: 'fused';
      readonly loop: Fused['loop'];
      readonly inputs: readonly RunInput[];
      readonly outputs: readonly Storage[];
    }
  | { readonly kind: 'effect'; readonly run: () => void };

/** A step of the plan: a trace's step, or a fused loop standing for several; `defines` are the slots it writes. */
type PlanStep =
  | { readonly kind: 'kernel'; readonly step: KernelStep; readonly defines: readonly number[] }
  | { readonly kind: 'fused'; readonly fused: Fused; readonly defines: readonly number[] }
  | { readonly kind: 'effect'; readonly run: () => void; readonly defines: readonly number[] };

type KernelStep = Extract<Step, { kind: 'kernel' }>;

/** The steps of a trace with every storage planned: run again, it allocates no array of its own. */
export class Program implements Interpreter {
  readonly #steps: readonly RunStep[];
  /** The inputs that read argument k, pointed at each call's tensors. */
  readonly #argumentInputs: readonly { input: RunInput; argument: number }[];
  readonly #storage: readonly Storage[];
  readonly #slots: readonly Slot[];
  /** How many buffers the plan holds, and how many loops fusion made: for tests and the curious. */
  readonly buffers: number;
  readonly fusedLoops: number;
  readonly steps: number;
  readonly #queue: { buffers: readonly Storage[]; at: number } = { buffers: [], at: 0 };

  constructor(trace: Trace, options: { fuse: boolean } = { fuse: true }) {
    const { slots } = trace;
    this.#slots = slots;
    const plan = planSteps(trace, options.fuse);
    this.fusedLoops = plan.filter((p) => p.kind === 'fused').length;
    // Buffers by lifetime: a computed slot takes a free buffer of its dtype and size, or keeps the one the
    // trace made, and frees it after its last reader. A pinned slot keeps its own.
    const lastUse = slots.map(() => -1);
    plan.forEach((p, t) => {
      for (const x of inputsOf(p)) lastUse[x.slot] = t;
      for (const d of p.defines) lastUse[d] = Math.max(lastUse[d]!, t);
    });
    const storage = slots.map((s) => s.storage);
    const free = new Map<string, Storage[]>();
    // a device's arrays share buffers among themselves (its length: theirs cannot be read on the CPU)
    const key = (x: Storage) => {
      const device = deviceOf(x);
      return device === null ? `${dtypeOf(x)}:${x.length}` : `${device.name}:${device.lengthOf(x)}`;
    };
    const dying: number[][] = plan.map(() => []);
    let buffers = 0;
    plan.forEach((p, t) => {
      for (const i of p.defines) {
        if (slots[i]!.pinned) {
          buffers++;
          continue;
        }
        const reused = free.get(key(slots[i]!.storage))?.pop();
        if (reused !== undefined) storage[i] = reused;
        else buffers++;
        dying[lastUse[i]!]!.push(i);
      }
      for (const i of dying[t]!) {
        const list = free.get(key(storage[i]!)) ?? [];
        list.push(storage[i]!);
        free.set(key(storage[i]!), list);
      }
    });
    this.buffers = buffers;
    this.#storage = storage;
    const argumentInputs: { input: RunInput; argument: number }[] = [];
    const runInputs = (refs: readonly InputRef[]) =>
      refs.map(({ slot, shape }) => {
        const input = { data: storage[slot]!, shape };
        if (slots[slot]!.kind === 'argument') argumentInputs.push({ input, argument: slots[slot]!.argument });
        return input;
      });
    this.#steps = plan.map((p): RunStep => {
      if (p.kind === 'effect') return { kind: 'effect', run: p.run };
      if (p.kind === 'fused')
        return {
          kind: 'fused',
          loop: p.fused.loop,
          inputs: runInputs(p.fused.inputs),
          outputs: p.fused.outputs.map((i) => storage[i]!),
        };
      const output = storage[p.step.output]!;
      return {
        kind: 'kernel',
        kernel: p.step.kernel,
        inputs: runInputs(p.step.inputs),
        buffers: p.step.allocations.map((i) => storage[i]!),
        output,
        device: deviceOf(output),
      };
    });
    this.#argumentInputs = argumentInputs;
    this.#devices = [
      ...new Set(
        this.#steps.flatMap((step) => (step.kind === 'kernel' && step.device !== null ? [step.device] : [])),
      ),
    ];
    this.steps = plan.length;
  }

  /** Runs the steps on the arguments' storages (in the order the trace numbered them). */
  run(args: readonly Tensor[]): void {
    for (const { input, argument } of this.#argumentInputs) input.data = storageOf(args[argument]!);
    // on a device, the whole call records into one command buffer (planned: no submission midway)
    const run = this.#devices.reduce<() => void>(
      (inner, device) => () => device.planned([], inner),
      () => interpret(this, this.#runSteps),
    );
    run();
  }

  readonly #runSteps = (): void => {
    const queue = this.#queue;
    for (const step of this.#steps) {
      if (step.kind === 'fused') step.loop(step.inputs, step.outputs);
      else if (step.kind === 'kernel' && step.device !== null) {
        const out = step.device.planned([step.output], () => step.kernel(step.inputs));
        if (out !== step.output) step.device.overwrite(step.output, out);
      } else if (step.kind === 'kernel') {
        queue.buffers = step.buffers;
        queue.at = 0;
        const out = step.kernel(step.inputs);
        if (out !== step.output) step.output.set(out);
      } else interpret(null, step.run); // an effect runs as eager code does
    }
    // a program on a device is sent to it whole, as one submission
    for (const device of this.#devices) device.flush();
  };

  /** The devices the program's steps run on. */
  readonly #devices: readonly Device[];

  /** The storage that slot `slot` has in the plan, or argument storage when it is an argument. */
  storageOf(slot: number, args: readonly Tensor[]): Storage {
    const s = this.#slots[slot]!;
    return s.kind === 'argument' ? storageOf(args[s.argument]!) : this.#storage[slot]!;
  }

  // The seam's interpreter while the steps run: only kernels run then, and they only allocate.
  bind<A>(_name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray {
    return primitive.forward(inputs, attrs);
  }
  effect(run: Effect): void {
    run(true);
  }
  read(_x: NDArray, storage: Storage): Storage {
    return storage;
  }
  created(): void {}
  isConcrete(): boolean {
    return true;
  }

  /** The buffer the plan has for the running kernel's next allocation. */
  allocate(dtype: DType, size: number, zeroed: boolean): Storage {
    const queue = this.#queue;
    const buffer = queue.buffers[queue.at++];
    if (buffer === undefined || buffer.length !== size || dtypeOf(buffer) !== dtype) {
      throw new Error(
        `compile: a kernel asked for ${size} ${dtype} elements where its trace asked for ` +
          `${buffer === undefined ? 'nothing' : `${buffer.length} ${dtypeOf(buffer)}`}; the program no longer matches its trace`,
      );
    }
    return zeroed ? buffer.fill(0) : buffer;
  }
}

/** The trace's steps, with runs of elementwise steps fused into loops (when `fuse` and the runtime allows it). */
function planSteps(trace: Trace, fuse: boolean): PlanStep[] {
  const { slots } = trace;
  const steps = liveSteps(trace);
  const lastRead = slots.map(() => -1);
  steps.forEach((step, t) => {
    if (step.kind === 'kernel') for (const { slot } of step.inputs) lastRead[slot] = t;
  });
  const exported = (slot: number, last: number) => slots[slot]!.pinned || lastRead[slot]! > last;
  const deviceOfStep = (step: Step) =>
    step.kind === 'kernel' ? deviceOf(slots[step.output]!.storage) : null;
  const groups = fuse
    ? fuseSteps(
        steps.map((step) => (step.kind === 'kernel' && deviceOfStep(step) === null ? step : null)),
        exported,
        (slot) => slots[slot]!.storage,
      )
    : null;
  // each device fuses its own steps' runs into its kernels
  const devices = new Set(steps.map(deviceOfStep).filter((d) => d !== null));
  const onDevices = fuse
    ? [...devices].flatMap((device) =>
        fuseOnDevice(
          steps.map((step) => (step.kind === 'kernel' && deviceOfStep(step) === device ? step : null)),
          exported,
          device,
        ),
      )
    : [];
  const groupAt = new Map([...(groups ?? []), ...onDevices].map((g) => [g.steps[0]!, g]));
  const plan: PlanStep[] = [];
  for (let t = 0; t < steps.length; t++) {
    const group = groupAt.get(t);
    if (group !== undefined) {
      plan.push({ kind: 'fused', fused: group, defines: group.outputs });
      t = group.steps.at(-1)!;
      continue;
    }
    const step = steps[t]!;
    if (step.kind === 'effect') plan.push({ kind: 'effect', run: step.run, defines: [] });
    else {
      const fallback = step.allocations.includes(step.output) ? [] : [step.output];
      plan.push({ kind: 'kernel', step, defines: [...step.allocations, ...fallback] });
    }
  }
  return plan;
}

/**
 * The trace's steps less the kernels whose arrays nothing reads: no later step, no effect, no output. A
 * vjp computes a gradient for every input and backward drops those that need none (a constant's, as the
 * 0.5 of x·0.5): eager code pays for them once, a program would pay at every call.
 */
function liveSteps({ steps, slots }: Trace): Step[] {
  const read = slots.map((s) => s.pinned);
  const live = steps.map(() => true);
  for (let t = steps.length - 1; t >= 0; t--) {
    const step = steps[t]!;
    if (step.kind !== 'kernel') continue;
    if (!read[step.output] && !step.allocations.some((i) => read[i])) live[t] = false;
    else for (const { slot } of step.inputs) read[slot] = true;
  }
  return steps.filter((_, t) => live[t]);
}

function inputsOf(p: PlanStep): readonly InputRef[] {
  return p.kind === 'kernel' ? p.step.inputs : p.kind === 'fused' ? p.fused.inputs : [];
}
