// What a user of the WebGPU backend sees of it (no WebGPU type appears here, so the published types of
// '@adjoint/autograd/webgpu' need none of @webgpu/types).

/** The GPU that `await webgpu()` set up: tensors made with `{ device: 'webgpu' }` live there. */
export interface WebGpu {
  readonly name: 'webgpu';
  /** The adapter's vendor and architecture, as the browser reports them ('google swiftshader', say). */
  readonly adapter: string;
  /** The buffers held and pooled, the kernels not yet sent, and any error the GPU reported. */
  stats(): WebGpuStats;
  /** Waits until the GPU has run every kernel recorded so far (timing code needs it; reads wait anyway). */
  finish(): Promise<void>;
}

/** What `stats()` reports: for tests of the pool, and for a user who wonders where memory went. */
export interface WebGpuStats {
  /** Buffers held by arrays that are still reachable (or not yet collected). */
  readonly liveBuffers: number;
  /** Buffers handed back and waiting in the pool for an array of their size. */
  readonly pooledBuffers: number;
  /** Kernels recorded and not yet sent to the GPU. */
  readonly pendingKernels: number;
  /** Command buffers sent to the GPU so far (a compiled call sends one). */
  readonly submissions: number;
  /** Validation errors the GPU reported (a kernel's WGSL that failed to compile, say): should stay empty. */
  readonly errors: readonly string[];
}

/** The options of `webgpu()`. */
export interface WebGpuOptions {
  /** Which adapter to ask the browser for, where it has two (a laptop's integrated and discrete GPUs). */
  readonly powerPreference?: 'low-power' | 'high-performance';
}
