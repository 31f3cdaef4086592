/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend: `await webgpu()` sets up the GPU, after which tensors made with
 * `{ device: 'webgpu' }` (or moved with `x.to('webgpu')`) run every op as a WGSL kernel there, backward
 * included. Values are read asynchronously: `await x.dataAsync()`, `await x.toArrayAsync()`.
 *
 * @module @adjoint/autograd/webgpu
 */
import { BINARY, COMPARISON, COPY, LEAKY_RELU, UNARY, WHERE } from '../ops/elementwise.js';
import { binaryRules, comparisons, leakyReluRule, unaryRules, whereRule } from '../rules/elementwise.js';
import { layoutRules } from '../rules/layout.js';
import { matmulRules } from '../rules/matmul.js';
import { normalizeRules } from '../rules/normalize.js';
import { reduceRules, shiftRule } from '../rules/reduce.js';
import type { Primitive } from '../rules/rule.js';
import { windowRules } from '../rules/window.js';
import { addDevice } from '../run.js';
import { checkOptions, describe } from '../shape.js';
import type { WebGpu, WebGpuOptions } from './api.js';
import { type GpuKernel, WebGpuDevice } from './device.js';
import { fusedKernel } from './fuse.js';
import * as layout from './layout.js';
import { matmul } from './matmul.js';
import * as norm from './normalize.js';
import { reduction, shift } from './reduce.js';
import * as window from './window.js';

export type { WebGpu, WebGpuOptions, WebGpuStats } from './api.js';

/** Every primitive the device runs, with its kernel. */
function kernels(): Map<object, GpuKernel<never>> {
  const table = new Map<object, GpuKernel<never>>();
  const add = <A>(primitive: Primitive<A>, kernel: GpuKernel<A>) =>
    table.set(primitive, kernel as GpuKernel<never>);
  for (const [name, rule] of Object.entries(unaryRules))
    add(UNARY[name as keyof typeof UNARY], layout.elementwise(name, rule));
  for (const [name, rule] of Object.entries(binaryRules))
    add(BINARY[name as keyof typeof BINARY], layout.elementwise(name, rule));
  for (const [name, rule] of Object.entries(comparisons))
    add(COMPARISON[name as keyof typeof COMPARISON], layout.elementwise(name, rule));
  add(WHERE, layout.elementwise('where', whereRule));
  add(LEAKY_RELU, layout.leaky(leakyReluRule));
  add(COPY, layout.broadcast);
  add(layoutRules.reshape, layout.reshape);
  add(layoutRules.broadcastTo, layout.broadcast);
  add(layoutRules.transpose, layout.transpose);
  add(layoutRules.slice, layout.slice);
  add(layoutRules.padAxis, layout.padAxis);
  add(layoutRules.concat, layout.concat);
  add(layoutRules.gather, layout.gather);
  add(layoutRules.scatterAdd, layout.scatterAdd);
  add(layoutRules.astype, (_gpu, [x], dtype) => {
    throw new TypeError(
      `astype: a tensor on webgpu holds float32 only, so it cannot become ${dtype}; bring it to the CPU ` +
        `first: (await x.to('cpu')).astype('${dtype}') (shape [${x!.shape.join(', ')}])`,
    );
  });
  add(layoutRules.oneHot, (_gpu, [labels]) => {
    throw new Error(
      `oneHot: the labels (shape [${labels!.shape.join(', ')}]) are on webgpu, where they cannot be checked ` +
        'as class indices before the rows are made; keep labels on the CPU and move the rows with .to(device)',
    );
  });
  add(reduceRules.sum, reduction('sum'));
  add(reduceRules.max, reduction('max'));
  add(reduceRules.min, reduction('min'));
  add(shiftRule, shift);
  add(matmulRules.matmul, matmul);
  add(windowRules.unfold, window.unfold);
  add(windowRules.fold, window.fold);
  add(windowRules.maxPool, window.maxPool);
  add(windowRules.maxScatter, window.maxScatter);
  add(windowRules.maxGather, window.maxGather);
  add(normalizeRules.normalize, norm.normalize);
  add(normalizeRules.normalizeAdjoint, norm.normalizeAdjoint);
  return table;
}

let ready: Promise<WebGpu> | null = null;

/**
 * Sets up the GPU (once; later calls give the same device) and makes `'webgpu'` a device that tensors
 * can be made on. An environment without WebGPU, or a browser that offers no adapter, is an Error that
 * says which.
 */
export function webgpu(options: WebGpuOptions = {}): Promise<WebGpu> {
  checkOptions('webgpu', options, ['powerPreference']);
  ready ??= open(options).catch((error: unknown) => {
    ready = null;
    throw error;
  });
  return ready;
}

async function open({ powerPreference }: WebGpuOptions): Promise<WebGpu> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined)
    throw new Error(
      'webgpu: this environment has no WebGPU (navigator.gpu is undefined). Browsers offer it to secure ' +
        'pages (https or localhost): Chromium 113+, Safari 26+, Firefox 141+ on Windows; Node.js does not',
    );
  if (
    powerPreference !== undefined &&
    powerPreference !== 'low-power' &&
    powerPreference !== 'high-performance'
  )
    throw new TypeError(
      `webgpu: expected powerPreference 'low-power' or 'high-performance', got ${describe(powerPreference)}`,
    );
  const adapter = await gpu.requestAdapter(powerPreference === undefined ? {} : { powerPreference });
  if (adapter === null)
    throw new Error(
      'webgpu: the browser offers no WebGPU adapter (no usable GPU, or WebGPU is disabled; headless ' +
        'Chromium needs --enable-unsafe-webgpu)',
    );
  const device = await adapter.requestDevice();
  const info = adapter.info;
  const backend = new WebGpuDevice(
    device,
    `${info.vendor} ${info.architecture}`.trim(),
    kernels(),
    fusedKernel,
  );
  addDevice(backend);
  return backend;
}
