// The GPU benchmark's page (gpu.ts serves it): adjoint on WebGPU beside jax-js and TF.js on WebGPU in
// one page, interleaved: matmul at each size, W3's training step (784-128-64-10 MLP, batch 128, SGD)
// and W6's (the MNIST CNN, batch 64, SGD), each library from the same initial parameters (adjoint's
// step eager and compiled). Every step
// ends with its loss (or a sum) read back, so each timing covers the GPU's work. Medians with min–max;
// the results as JSON to download. The query string sets sizes (?sizes=512,1024), reps, warmup and
// workloads.
import { compile, type Tensor, tensor } from '@adjoint/autograd';
import { webgpu } from '@adjoint/autograd/webgpu';
import { mlp, type Sequential, SGD, sequential, softmaxCrossEntropy } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { CNN_FLOPS, CNN_SPEC, cnnBatch, jaxCnnStep, tfCnnStep } from './cnn.js';
import { jaxMlpStep, tfMlpStep } from './mlp.js';
import { MNIST_MLP } from './networks.js';

type Step = () => Promise<unknown>;
interface Row {
  readonly workload: string;
  readonly library: string;
  readonly times: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly gflops: number | null;
}

const query = new URLSearchParams(location.search);
const sizes = (query.get('sizes') ?? '512,1024,2048,4096').split(',').map(Number);
const reps = Number(query.get('reps') ?? 9);
const warmups = Number(query.get('warmup') ?? 1);
const workloads = (query.get('workloads') ?? 'matmul,W3,W6').split(',');
const status = document.body.appendChild(document.createElement('p'));
const table = document.body.appendChild(document.createElement('pre'));
const rows: Row[] = [];

/** Times the steps interleaved, after `warmups` untimed runs each, `reps` rounds; a row per library. */
async function race(workload: string, steps: Record<string, Step>, flops: number | null): Promise<void> {
  status.textContent = `running ${workload}…`;
  for (let w = 0; w < warmups; w++) for (const step of Object.values(steps)) await step();
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  for (let r = 0; r < reps; r++)
    for (const [name, step] of Object.entries(steps)) {
      const start = performance.now();
      await step();
      times[name]!.push(performance.now() - start);
    }
  for (const [library, ts] of Object.entries(times)) {
    const sorted = [...ts].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const gflops = flops === null ? null : flops / median / 1e6;
    rows.push({ workload, library, times: ts, median, min: sorted[0]!, max: sorted.at(-1)!, gflops });
  }
  table.textContent = rows
    .map(
      (r) =>
        `${r.workload.padEnd(14)} ${r.library.padEnd(22)} ${r.median.toFixed(2).padStart(9)} ms ` +
        `(${r.min.toFixed(2)}–${r.max.toFixed(2)})${r.gflops === null ? '' : `  ${r.gflops.toFixed(2)} GFLOP/s`}`,
    )
    .join('\n');
}

/** adjoint's SGD step (lr 0.05) of `net` on x and one-hot y, on the GPU, its loss read back. */
function sgdStep(net: Sequential, x: Tensor, y: Tensor): Step {
  const sgd = new SGD(net.parameters(), { lr: 0.05 });
  return async () => {
    sgd.zeroGrad();
    const loss = softmaxCrossEntropy(net.forward(x), y) as Tensor;
    loss.backward();
    sgd.step();
    return loss.dataAsync();
  };
}

/** The same step as one compiled program (traced at its first call): its elementwise runs fused, one submission. */
function compiledStep(net: Sequential, x: Tensor, y: Tensor): Step {
  const sgd = new SGD(net.parameters(), { lr: 0.05 });
  const step = compile((xs: Tensor, ys: Tensor) => {
    sgd.zeroGrad();
    const loss = softmaxCrossEntropy(net.forward(xs), ys) as Tensor;
    loss.backward();
    sgd.step();
    return loss;
  });
  return async () => (step(x, y) as Tensor).dataAsync();
}

/** Seeded uniform numbers, as every library takes its data. */
function uniform(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

const gpu = await webgpu();
await jax.init();
jax.defaultDevice('webgpu');
await tf.setBackend('webgpu');
await tf.ready();

if (workloads.includes('matmul'))
  for (const n of sizes) {
    const [a, b] = [uniform(n * n, 1), uniform(n * n, 2)];
    const [ta, tb] = [
      tensor(a, { shape: [n, n], device: 'webgpu' }),
      tensor(b, { shape: [n, n], device: 'webgpu' }),
    ];
    const [ja, jb] = [jax.numpy.array(a, { shape: [n, n] }), jax.numpy.array(b, { shape: [n, n] })];
    const [fa, fb] = [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])];
    await race(
      `matmul ${n}`,
      {
        'adjoint (webgpu)': () => ta.matmul(tb).sum().dataAsync(),
        'jax-js (webgpu)': () => jax.numpy.sum(jax.numpy.matmul(ja.ref, jb.ref)).data(),
        'tfjs (webgpu)': async () => {
          const s = tf.tidy(() => tf.sum(tf.matMul(fa, fb)));
          await s.data();
          s.dispose();
        },
      },
      2 * n ** 3,
    );
  }

if (workloads.includes('W3')) {
  const images = uniform(128 * 784, 3);
  const labels = Array.from({ length: 128 }, (_, i) => (i * 7) % 10);
  const oneHot = Float32Array.from(
    labels.flatMap((l) => Array.from({ length: 10 }, (_, k) => (k === l ? 1 : 0))),
  );
  const net = mlp(MNIST_MLP, { device: 'webgpu' });
  const x = tensor(images, { shape: [128, 784], device: 'webgpu' });
  const y = tensor(oneHot, { shape: [128, 10], device: 'webgpu' });
  const adjointStep = sgdStep(net, x, y);
  const adjointCompiled = compiledStep(mlp(MNIST_MLP, { device: 'webgpu' }), x, y);
  const jaxStep = jaxMlpStep(MNIST_MLP, images, oneHot, [128, 784], [128, 10], 'xent', 'f32');
  const tfStep = tfMlpStep(tf, MNIST_MLP, images, oneHot, [128, 784], [128, 10], 'xent', true);
  const flops = 2 * 3 * 128 * (784 * 128 + 128 * 64 + 64 * 10);
  await race(
    'W3 MLP step',
    {
      'adjoint (webgpu)': adjointStep,
      'adjoint compiled (webgpu)': adjointCompiled,
      'jax-js jit (webgpu)': jaxStep,
      'tfjs (webgpu)': async () => tfStep(),
    },
    flops,
  );
}

if (workloads.includes('W6')) {
  const { images, oneHot } = cnnBatch();
  const net = sequential(CNN_SPEC, { device: 'webgpu' });
  const x = tensor(images, { shape: [64, 1, 28, 28], device: 'webgpu' });
  const y = tensor(oneHot, { shape: [64, 10], device: 'webgpu' });
  const adjointStep = sgdStep(net, x, y);
  const adjointCompiled = compiledStep(sequential(CNN_SPEC, { device: 'webgpu' }), x, y);
  const tfStep = tfCnnStep(tf, true);
  await race(
    'W6 CNN step',
    {
      'adjoint (webgpu)': adjointStep,
      'adjoint compiled (webgpu)': adjointCompiled,
      'jax-js jit (webgpu)': jaxCnnStep(),
      'tfjs (webgpu)': async () => tfStep(),
    },
    CNN_FLOPS,
  );
}

const result = {
  adapter: gpu.adapter,
  userAgent: navigator.userAgent,
  date: new Date().toISOString(),
  reps,
  rows,
  errors: gpu.stats().errors,
};
const link = document.body.appendChild(document.createElement('a'));
link.textContent = 'Download the results (JSON)';
link.download = 'adjoint-gpu-bench.json';
link.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
status.textContent = `done on ${gpu.adapter}`;
(globalThis as { result?: unknown }).result = result;
