/// <reference types="@webgpu/types" />
// The WebGPU device: its buffers (pooled, handed back when the tensor holding one is collected), the
// command encoder that collects kernels until something needs their results, and the arrays it gives
// the engine, which pass as float32 Storage but throw on any read of an element.
import { arrayOf, type NDArray, ON_DEVICE, type Storage } from '../ndarray.js';
import type { Primitive } from '../rules/rule.js';
import type { Device, ElementwiseGroup } from '../run.js';
import { formatShape } from '../shape.js';
import type { WebGpu, WebGpuStats } from './api.js';
import { PRELUDE } from './wgsl.js';

/** A float32 array on the GPU: its buffer and its length in elements. */
interface Allocation {
  readonly buffer: GPUBuffer;
  readonly length: number;
}

/** An input of a kernel: an array of the device, with the shape the op sees. */
export interface Operand {
  readonly data: Storage;
  readonly shape: readonly number[];
}

/** How the device runs one primitive: its kernels, from the inputs' buffers to the output's array. */
export type GpuKernel<A> = (gpu: WebGpuDevice, inputs: readonly Operand[], attrs: A) => NDArray;

/** How the device writes a run of elementwise steps as one kernel: its WGSL and its workgroups. */
export type Fuser = (group: ElementwiseGroup) => {
  readonly code: string;
  readonly groups: readonly [number, number, number];
};

/** Buffers usable as a kernel's input or output and as a copy's source or target. */
const USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ = 0x0001;
const COPY_DST = 0x0008;

/** The most buffers of one size the pool keeps. */
const POOL_LIMIT = 64;

/** Kernels recorded before the encoder is sent to the GPU on its own (a read sends it sooner). */
const BATCH = 64;

export class WebGpuDevice implements Device, WebGpu {
  readonly name = 'webgpu';
  readonly adapter: string;
  readonly #device: GPUDevice;
  readonly #kernels: ReadonlyMap<object, GpuKernel<never>>;
  readonly #fuser: Fuser;
  readonly #arrays = new WeakMap<Storage, Allocation>();
  readonly #pool = new Map<number, GPUBuffer[]>();
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #errors: string[] = [];
  readonly #handler: ProxyHandler<Float32Array>;
  readonly #collected = new FinalizationRegistry<GPUBuffer>((buffer) => this.#giveBack(buffer));
  #encoder: GPUCommandEncoder | null = null;
  #pending = 0;
  #submissions = 0;
  #live = 0;
  /** How many of the errors a read has reported already. */
  #reported = 0;

  constructor(
    device: GPUDevice,
    adapter: string,
    kernels: ReadonlyMap<object, GpuKernel<never>>,
    fuser: Fuser,
  ) {
    this.#device = device;
    this.adapter = adapter;
    this.#kernels = kernels;
    this.#fuser = fuser;
    device.addEventListener('uncapturederror', (event) => {
      this.#errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    const self = this;
    this.#handler = {
      get(_target, key) {
        if (key === ON_DEVICE) return self;
        throw new Error(
          "a tensor's values on webgpu are not in the CPU's memory: read them with await x.dataAsync() or " +
            `await x.toArrayAsync(), or move the tensor with await x.to('cpu') (read: ${String(key)})`,
        );
      },
      set() {
        throw new Error("a tensor's values on webgpu cannot be written from the CPU: make a new tensor");
      },
    };
  }

  bind<A>(name: string, primitive: Primitive<A>, inputs: readonly NDArray[], attrs: A): NDArray {
    const kernel = this.#kernels.get(primitive) as GpuKernel<A> | undefined;
    if (kernel === undefined)
      throw new Error(
        `${name}: this op has no WebGPU kernel yet; run it on the CPU (await x.to('cpu')) or see the README's ` +
          'table of the ops WebGPU runs',
      );
    const operands = inputs.map((x) => {
      const data = arrayOf(x);
      const on = this.#arrays.get(data);
      if (on === undefined && x.shape.length > 0)
        throw new Error(
          `${name}: an input of shape [${x.shape.join(', ')}] is on the CPU, the others on webgpu`,
        );
      return { data: on === undefined ? this.#fresh(data, name) : data, shape: x.shape };
    });
    return kernel(this, operands, attrs);
  }

  /**
   * An array of the device holding `data`'s values: a new one, or inside `planned` the next planned
   * array, written by a copy recorded among the kernels (so that it lands in order with them: a
   * compiled step's move of its batch to the GPU).
   */
  upload(data: Storage, op: string): Storage {
    const planned = this.#plan?.shift();
    if (planned === undefined) return this.#fresh(data, op);
    const target = this.#arrays.get(planned);
    if (target === undefined || target.length !== data.length)
      throw new Error(
        `compile: ${op} moves ${data.length} elements to webgpu where its trace moved ${target?.length ?? 'none'}; ` +
          'the program no longer matches its trace',
      );
    const staging = this.#mapped(data, op);
    this.#encode().copyBufferToBuffer(staging, 0, target.buffer, 0, bytes(data.length));
    this.#staging.push(staging);
    return planned;
  }

  /** Buffers that the encoder's copies read from, and buffers the full pool gave up: destroyed once it is sent. */
  readonly #staging: GPUBuffer[] = [];

  /** A new array of the device holding `data` (float32; a number operand of the CPU too). */
  #fresh(data: Storage, op: string): Storage {
    const buffer = this.#mapped(data, op);
    this.#live++;
    return this.#wrap(buffer, data.length);
  }

  /** A new buffer holding `data`'s values, written at its creation (no wait on the queue). */
  #mapped(data: Storage, op: string): GPUBuffer {
    if (!(data instanceof Float32Array))
      throw new TypeError(
        `${op}: a tensor on webgpu holds float32, got float64 values; float64 stays on the CPU ` +
          "(convert first with astype('float32'), or give { dtype: 'float32' })",
      );
    const buffer = this.#device.createBuffer({
      size: bytes(data.length),
      usage: USAGE,
      mappedAtCreation: true,
    });
    new Float32Array(buffer.getMappedRange(), 0, data.length).set(data);
    buffer.unmap();
    return buffer;
  }

  async download(data: Storage): Promise<Storage> {
    const on = this.#arrays.get(data);
    if (on === undefined) throw new Error('download: not an array of this webgpu device');
    const size = bytes(on.length);
    const staging = this.#device.createBuffer({ size, usage: MAP_READ | COPY_DST });
    this.#encode().copyBufferToBuffer(on.buffer, 0, staging, 0, size);
    this.flush();
    await staging.mapAsync(MAP_READ);
    const values = new Float32Array(staging.getMappedRange(), 0, on.length).slice();
    staging.destroy();
    // a kernel the GPU refused leaves its output as it was: the read says so rather than give those values
    if (this.#errors.length > this.#reported) {
      const errors = this.#errors.slice(this.#reported);
      this.#reported = this.#errors.length;
      throw new Error(
        `webgpu: the GPU refused a kernel, so the values read are not the op's: ${errors.join('; ')}`,
      );
    }
    return values;
  }

  overwrite(target: Storage, source: Storage): void {
    const [to, from] = [this.#arrays.get(target), this.#arrays.get(source)];
    if (to === undefined || from === undefined || to.length !== from.length)
      throw new Error('overwrite: expected two arrays of this webgpu device, of one length');
    this.#encode().copyBufferToBuffer(from.buffer, 0, to.buffer, 0, bytes(to.length));
  }

  /** Sends the kernels recorded so far to the GPU. */
  flush(): void {
    if (this.#encoder === null) {
      // nothing recorded names a buffer given up since the last submission: destroyed now
      for (const buffer of this.#staging.splice(0)) buffer.destroy();
      return;
    }
    this.#device.queue.submit([this.#encoder.finish()]);
    // a buffer destroyed after its submission lives until the GPU has run what reads it
    for (const buffer of this.#staging.splice(0)) buffer.destroy();
    this.#submissions++;
    this.#encoder = null;
    this.#pending = 0;
  }

  /** Waits until the GPU has run everything sent to it (kernels still recorded are sent first). */
  async finish(): Promise<void> {
    this.flush();
    await this.#device.queue.onSubmittedWorkDone();
  }

  stats(): WebGpuStats {
    let pooled = 0;
    for (const list of this.#pool.values()) pooled += list.length;
    return {
      liveBuffers: this.#live,
      pooledBuffers: pooled,
      pendingKernels: this.#pending,
      submissions: this.#submissions,
      errors: [...this.#errors],
    };
  }

  lengthOf(data: Storage): number {
    const on = this.#arrays.get(data);
    if (on === undefined) throw new Error('webgpu: not an array of this device');
    return on.length;
  }

  fuse(group: ElementwiseGroup): ((inputs: readonly Storage[], outputs: readonly Storage[]) => void) | null {
    // inputs and outputs are storage buffers, of which a kernel may bind only so many
    if (group.inputs.length + group.outputs.length > this.#device.limits.maxStorageBuffersPerShaderStage)
      return null;
    const { code, groups } = this.#fuser(group);
    return (inputs, outputs) =>
      this.run(
        code,
        inputs.map((x) => this.#arrays.get(x)?.buffer ?? this.bufferOf(this.#fresh(x, 'compile'))),
        outputs.map((x) => this.bufferOf(x)),
        groups,
      );
  }

  /** The buffer of one of the device's arrays. */
  bufferOf(data: Storage): GPUBuffer {
    const on = this.#arrays.get(data);
    if (on === undefined) throw new Error('webgpu: an array that is not on this device reached a kernel');
    return on.buffer;
  }

  planned<T>(outputs: readonly Storage[], run: () => T): T {
    const before = this.#plan;
    this.#plan = [...outputs];
    try {
      return run();
    } finally {
      this.#plan = before;
    }
  }

  /** A compiled program's buffers for the next allocations (planned), or null. */
  #plan: Storage[] | null = null;

  /**
   * A new array of `length` elements for a kernel to write (from the pool where one of its size waits),
   * or, inside `planned`, the next planned array.
   */
  allocate(length: number): { readonly data: Storage; readonly buffer: GPUBuffer } {
    const planned = this.#plan?.shift();
    if (planned !== undefined) {
      const on = this.#arrays.get(planned);
      if (on === undefined || on.length !== length)
        throw new Error(
          `compile: a kernel asked for ${length} elements on webgpu where its trace had ${on?.length ?? 'none'}; ` +
            'the program no longer matches its trace',
        );
      return { data: planned, buffer: on.buffer };
    }
    const size = bytes(length);
    const buffer = this.#pool.get(size)?.pop() ?? this.#device.createBuffer({ size, usage: USAGE });
    this.#live++;
    return { data: this.#wrap(buffer, length), buffer };
  }

  /**
   * Records one kernel: `code` (WGSL, the PRELUDE prepended) with `inputs` bound at 0, 1, … and `outputs`
   * after them, over `groups` workgroups (x, y, z). Pipelines are kept by their code.
   */
  run(
    code: string,
    inputs: readonly GPUBuffer[],
    outputs: readonly GPUBuffer[],
    groups: readonly [number, number, number],
  ): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const limit = this.#device.limits.maxComputeWorkgroupsPerDimension;
    if (groups.some((g) => g > limit))
      throw new RangeError(
        `webgpu: a kernel needs ${formatShape(groups)} workgroups, over the limit of ${limit} per axis`,
      );
    const source = PRELUDE + code;
    let pipeline = this.#pipelines.get(source);
    if (pipeline === undefined) {
      const module = this.#device.createShaderModule({ code: source });
      pipeline = this.#device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      this.#pipelines.set(source, pipeline);
    }
    const entries = [...inputs, ...outputs].map((buffer, binding) => ({ binding, resource: { buffer } }));
    const group = this.#device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.#encode().beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    // inside a compiled call (planned) the encoder grows until the call's end: one submission a call
    if (++this.#pending >= BATCH && this.#plan === null) this.flush();
  }

  #encode(): GPUCommandEncoder {
    this.#encoder ??= this.#device.createCommandEncoder();
    return this.#encoder;
  }

  /** The Storage the engine holds for `buffer`: the buffer goes back to the pool when it is collected. */
  #wrap(buffer: GPUBuffer, length: number): Storage {
    const data = new Proxy(new Float32Array(0), this.#handler);
    this.#arrays.set(data, { buffer, length });
    this.#collected.register(data, buffer);
    return data;
  }

  // Kernels already recorded that use the buffer run before any later one that reuses it (one encoder,
  // one queue, in order), so a buffer is reused as soon as nothing can name it any more.
  // A size's pool holds POOL_LIMIT buffers at most: a compiled step's number operands are uploaded at
  // each call and nothing of the program draws from the pool, so it would grow by one a call; the
  // excess is destroyed once what is recorded has been sent (a recorded kernel may still name it).
  #giveBack(buffer: GPUBuffer): void {
    this.#live--;
    const list = this.#pool.get(buffer.size);
    if (list === undefined) this.#pool.set(buffer.size, [buffer]);
    else if (list.length < POOL_LIMIT) list.push(buffer);
    else this.#staging.push(buffer);
  }
}

/** Bytes of `length` float32 elements, rounded up to 16 (and never 0: WebGPU binds no empty buffer). */
function bytes(length: number): number {
  return Math.max(16, Math.ceil((length * 4) / 16) * 16);
}
