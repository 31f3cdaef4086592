/**
 * The benchmark: nine workloads on adjoint and, in the same process, on TensorFlow.js (cpu and wasm
 * backends), jax-js (wasm device, jit) and, for the scalar engine, micrograd by hand (micrograd.ts).
 * Contestants of a workload run interleaved, one repetition each per round in a seeded random order, so
 * they share the machine's load; tables give the median, the min–max and the ratio of each peer's
 * median to adjoint's (above 1: adjoint is faster). W2, W3, W6 and W9 time adjoint eagerly and compiled.
 * Writes out/bench-<dtype>.json, which `bench:table` (table.ts) turns into the README's table.
 *
 * adjoint runs in one dtype per process (`--dtype`, default float32): a program that mixes Float32Array
 * and Float64Array in the same loops makes V8's element accesses polymorphic and both slower (W2 here:
 * 0.65 and 0.71 ms alone, 1.2 and 1.1 ms mixed), and a program normally trains in one dtype. The scalar
 * workloads W1 and W5 run in the float64 process. Without `--dtype` it runs itself once per dtype.
 *
 * adjoint runs large products on every core (up to 8) by default; W3 and W4 also time it on one
 * thread, so the ratio on that row is what the other threads bring.
 *
 *   npx -y pnpm@10 bench [--quick] [--dtype float32|float64] [--only W3,W6]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  compile,
  getNumThreads,
  noGrad,
  Rng,
  setNumThreads,
  type Tensor,
  tensor,
  Value,
} from '@adjoint/autograd';
import {
  type Command,
  callerPath,
  marginLoss,
  marginLossTensor,
  moons,
  moonsSpec,
  parseCommand,
} from '@adjoint/examples';
import { mlp, SGD, scalarMlp, softmaxCrossEntropy } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import { adjointCnnStep, CNN_FLOPS, jaxCnnStep, tfCnnStep } from './cnn.js';
import { torchCnnContestant } from './cnn-torch.js';
import { adjointGptStep, GPT_FLOPS, jaxGptStep, torchGptContestant } from './gpt.js';
import { type Contestant, Races } from './harness.js';
import { MicroMlp, MicroValue, microStep } from './micrograd.js';
import { jaxMlpStep, tfMlpStep } from './mlp.js';
import { tf, tfContestant } from './tf-node.js';
import { raceTransforms } from './transforms.js';
import { checkOnly, dtypeOrEach, MNIST_MLP, RUN_FLAGS, WORKLOAD_HELP } from './workloads.js';

const require = createRequire(import.meta.url);
const tfWasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
const np = jax.numpy;
type JaxArray = jax.Array;

const COMMAND: Command = {
  prog: 'bench',
  usage:
    'usage: npx -y pnpm@10 bench [--quick] [--dtype float32|float64] [--only W3,W6] [--out DIR] (--help lists the workloads)',
  help: `usage: npx -y pnpm@10 bench [options]

Times adjoint beside TensorFlow.js, jax-js and micrograd by hand, workload by workload, and writes
DIR/bench-<dtype>.json for bench:table.

options:
  --quick         fewer rounds (a smoke run; the README's table uses full runs)
  --dtype D       float32 or float64 (default: both, each in a process of its own)
  --only IDS      the workloads to time, by id, comma-separated
  --out DIR       where the JSON goes, from where you are (default ./out)
  --help          this text

workloads:
${WORKLOAD_HELP}`,
};
const { values } = parseCommand(COMMAND, RUN_FLAGS, process.argv.slice(2));
const only = checkOnly(COMMAND, values.only);
const quick = values.quick ?? false;
const dtype = dtypeOrEach(COMMAND, values.dtype);
const threads = getNumThreads();
const ours = `adjoint (${dtype}, ${threads} thread${threads === 1 ? '' : 's'})`;

/** adjoint's step on one thread: in the same table, its ratio is the speedup of the default's threads. */
function oneThread(step: () => unknown): Contestant {
  return {
    name: `adjoint (${dtype}, 1 thread)`,
    step: () => {
      setNumThreads(1);
      try {
        return step();
      } finally {
        setNumThreads(threads);
      }
    },
  };
}

// ---------- W1, W2: micrograd's moons network, as the moons example trains it ----------
const SPEC = moonsSpec(1);
const data = moons(100, 0.1, 0);
const signs = data.y.map((v) => 2 * v - 1);

/** One SGD step of a loss: what W1, W2 and W3 time on adjoint. */
function sgdStep(sgd: SGD, loss: Tensor | Value): void {
  sgd.zeroGrad();
  loss.backward();
  sgd.step();
}

/** A Tensor training step compiled: the forward, the loss, backward and the update, traced once. */
function compiledStep(sgd: SGD, loss: (x: Tensor, y: Tensor) => Tensor, x: Tensor, y: Tensor): () => Tensor {
  const step = compile((xs: Tensor, ys: Tensor) => {
    sgd.zeroGrad();
    const value = loss(xs, ys);
    value.backward();
    sgd.step();
    return value;
  });
  return () => step(x, y);
}

async function main(): Promise<void> {
  tfWasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  tf.enableProdMode(); // no debug checks: measure TF.js as it runs in production
  await jax.init('wasm');
  const races = new Races(only);
  const race = races.race.bind(races);
  jax.defaultDevice('wasm');
  const reps = quick ? 3 : 15;

  // W1: the scalar engine, micrograd's demo step
  if (dtype === 'float64') {
    const snet = scalarMlp(SPEC);
    const ssgd = new SGD(snet.parameters(), { lr: 0.05 });
    // the floor: micrograd written by hand in plain JavaScript, from the same initial weights
    const micro = new MicroMlp(
      snet.layers.map((layer) => ({
        w: layer.neurons.map((n) => n.w.map((v) => v.data)),
        b: layer.neurons.map((n) => n.b.data),
      })),
    );
    await race(
      'W1 scalar graph: MLP(2,[16,16,1]) on 100 moons, one step',
      [
        { name: 'adjoint (Value)', step: () => sgdStep(ssgd, marginLoss(snet, data.x, signs)) },
        { name: 'micrograd, hand-written JS', step: () => microStep(micro, data.x, signs, 0.05) },
      ],
      // A W1 step takes a young-generation collection or not: one step's times were bimodal (6–8 ms and
      // 11–17 ms for adjoint), and their median jumped between the modes from run to run (2.3–3.3× on one
      // build). A sample of 5 steps carries each engine's own share of collections.
      reps,
      { batch: 5 },
    );
  }

  // W5: a deep chain of scalar ops, right after W1, so the scalar workloads run before any tensor workload
  // has grown the heap. Each engine's loop is written out: one function shared by both would see two
  // classes at its call sites, polymorphic in V8, and slow both by an amount of its own
  for (const steps of dtype === 'float32' ? [] : quick ? [1e3, 1e5] : [1e3, 1e4, 1e5, 1e6]) {
    await race(
      `W5 deep chain: x = x·1.0001 + 0.0001, N = ${steps.toExponential(0)}, forward + backward`,
      [
        {
          name: 'adjoint (Value)',
          step: () => {
            const x = new Value(1);
            let y = x;
            for (let i = 0; i < steps; i++) y = y.mul(1.0001).add(0.0001);
            y.backward();
            return x.grad;
          },
        },
        {
          name: 'micrograd, hand-written JS',
          step: () => {
            const x = new MicroValue(1);
            let y = x;
            for (let i = 0; i < steps; i++) y = y.mul(1.0001).add(0.0001);
            y.backward();
            return x.grad;
          },
        },
      ],
      // at 1e6 a step's time turns on whether the heap must first grow (adjoint 0.7 s or 1.3–1.5 s, in
      // one process): 3 rounds gave a median of either; 7 take about half a minute
      steps >= 1e6 ? 7 : reps,
    );
  }

  // W2: the same network, batched
  const X = tensor(data.x, { dtype });
  const negY = tensor(
    signs.map((s) => [-s]),
    { dtype },
  );
  const tnet = mlp(SPEC, { dtype });
  const tsgd = new SGD(tnet.parameters(), { lr: 0.05 });
  const xs = Float32Array.from(data.x.flat());
  const ys = Float32Array.from(signs);
  // the compiled step trains a network of its own, from the same initial weights
  const cnet = mlp(SPEC, { dtype });
  const csgd = new SGD(cnet.parameters(), { lr: 0.05 });
  await race(
    'W2 small tensor MLP: 2-16-16-1, X 100×2, one SGD step',
    [
      { name: ours, step: () => sgdStep(tsgd, marginLossTensor(tnet, X, negY)) },
      {
        name: `${ours}, compiled`,
        step: compiledStep(csgd, (x, y) => marginLossTensor(cnet, x, y), X, negY),
      },
      { name: 'jax-js jit (wasm, f32)', step: jaxMlpStep(SPEC, xs, ys, [100, 2], [100, 1], 'hinge', 'f32') },
      tfContestant('tfjs-cpu (f32)', 'cpu', () => tfMlpStep(tf, SPEC, xs, ys, [100, 2], [100, 1], 'hinge')),
      tfContestant('tfjs-wasm (f32)', 'wasm', () => tfMlpStep(tf, SPEC, xs, ys, [100, 2], [100, 1], 'hinge')),
    ],
    reps,
  );

  // W3: an MNIST-sized MLP, one SGD step on a batch of 128
  const MNIST = MNIST_MLP;
  const rng = new Rng(5);
  const images = Float32Array.from({ length: 128 * 784 }, () => rng.uniform());
  const labels = Array.from({ length: 128 }, () => rng.int(10));
  const oneHot = Float32Array.from(
    labels.flatMap((l) => Array.from({ length: 10 }, (_, k) => (k === l ? 1 : 0))),
  );
  const mnet = mlp(MNIST, { dtype });
  const msgd = new SGD(mnet.parameters(), { lr: 0.05 });
  const mx = tensor(images, { shape: [128, 784], dtype });
  const mnistStep = () => sgdStep(msgd, softmaxCrossEntropy(mnet.forward(mx), labels));
  const cmnet = mlp(MNIST, { dtype });
  const cmsgd = new SGD(cmnet.parameters(), { lr: 0.05 });
  const my = tensor(oneHot, { shape: [128, 10], dtype });
  const mnistCompiled = compiledStep(cmsgd, (x, y) => softmaxCrossEntropy(cmnet.forward(x), y), mx, my);
  await race(
    'W3 MNIST-size MLP: 784-128-64-10, batch 128, one SGD step',
    [
      { name: ours, step: mnistStep },
      { name: `${ours}, compiled`, step: mnistCompiled },
      ...(threads > 1 ? [oneThread(mnistStep)] : []),
      {
        name: 'jax-js jit (wasm, f32)',
        step: jaxMlpStep(MNIST, images, oneHot, [128, 784], [128, 10], 'xent', 'f32'),
      },
      {
        name: 'jax-js jit (wasm, f64)',
        step: jaxMlpStep(MNIST, images, oneHot, [128, 784], [128, 10], 'xent', 'f64'),
      },
      tfContestant('tfjs-cpu (f32)', 'cpu', () =>
        tfMlpStep(tf, MNIST, images, oneHot, [128, 784], [128, 10], 'xent'),
      ),
      tfContestant('tfjs-wasm (f32)', 'wasm', () =>
        tfMlpStep(tf, MNIST, images, oneHot, [128, 784], [128, 10], 'xent'),
      ),
    ],
    reps,
  );

  // W7, W8: the transforms on W3's network: per-example gradients, Hessian-vector products
  await raceTransforms(races, dtype, reps, ours);

  // W4: square matmul
  for (const n of quick ? [128, 512] : [128, 512, 1024]) {
    const r = new Rng(n);
    const a32 = Float32Array.from({ length: n * n }, () => r.normal());
    const b32 = Float32Array.from({ length: n * n }, () => r.normal());
    const a = tensor(a32, { shape: [n, n], dtype });
    const b = tensor(b32, { shape: [n, n], dtype });
    const jmm = jax.jit((p: JaxArray, q: JaxArray) => np.matmul(p, q));
    const ja = np.array(a32, { shape: [n, n] });
    const jb = np.array(b32, { shape: [n, n] });
    const ja64 = np.astype(ja.ref, np.float64);
    const jb64 = np.astype(jb.ref, np.float64);
    const jaxMatmul = (p: JaxArray, q: JaxArray) => async () => {
      const c = jmm(p.ref, q.ref);
      await jax.blockUntilReady(c);
      c.dispose();
    };
    const tfMatmul = () => {
      const ta = tf.tensor(a32, [n, n]);
      const tb = tf.tensor(b32, [n, n]);
      return () => tf.tidy(() => tf.matMul(ta, tb).dataSync()[0]);
    };
    const product = () => noGrad(() => a.matmul(b));
    const contestants: Contestant[] = [
      { name: ours, step: product },
      ...(threads > 1 ? [oneThread(product)] : []),
      { name: 'jax-js jit (wasm, f32)', step: jaxMatmul(ja, jb) },
      { name: 'jax-js jit (wasm, f64)', step: jaxMatmul(ja64, jb64) },
      tfContestant('tfjs-wasm (f32)', 'wasm', tfMatmul),
      ...(n <= 512 ? [tfContestant('tfjs-cpu (f32)', 'cpu', tfMatmul)] : []),
    ];
    await race(`W4 matmul ${n}×${n}`, contestants, n >= 1024 ? Math.min(reps, 5) : reps, {
      flops: 2 * n ** 3,
    });
  }

  // W6: the mnist-cnn example's network, one SGD step on 64 images (every library's first loss is 2.3048155)
  const cnnStep = adjointCnnStep(dtype);
  const W6 = 'W6 MNIST CNN: conv32-pool-conv64-pool-dense128-dense10, batch 64, one SGD step';
  await races.raceWithTorch(
    W6,
    [
      { name: ours, step: cnnStep },
      { name: `${ours}, compiled`, step: adjointCnnStep(dtype, true) },
      ...(threads > 1 ? [oneThread(cnnStep)] : []),
      // seconds a step (about 6 s and 50 s on a 2-core machine): a few rounds, or the run takes an hour
      { name: 'jax-js jit (wasm, f32)', step: jaxCnnStep(), rounds: 3 },
      { ...tfContestant('tfjs-cpu (f32)', 'cpu', () => tfCnnStep(tf)), rounds: 1 },
    ],
    reps,
    { flops: CNN_FLOPS },
    () => torchCnnContestant(dtype, threads),
  );
  // TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel: it runs a convolution, cannot train one
  if (races.includes('W6'))
    console.log('  tfjs-wasm (f32): cannot train a convolution (no Conv2DBackpropFilter kernel on wasm)');

  // W9: the names GPT, one SGD step on 32 names (every peer starts from adjoint's parameters: first loss 3.2857)
  await races.raceWithTorch(
    'W9 names GPT: 4 layers, 4 heads, width 64, context 16, batch 32, one SGD step',
    [
      { name: ours, step: adjointGptStep(dtype) },
      { name: `${ours}, compiled`, step: adjointGptStep(dtype, true) },
      { name: 'jax-js jit (wasm, f32)', step: jaxGptStep() },
    ],
    reps,
    { flops: GPT_FLOPS },
    () => torchGptContestant(dtype, threads),
  );

  if (races.rows.length === 0) {
    // W1 and W5 run in the float64 process only: a float32 run of just them times nothing, and keeps the file
    console.log(`\nno workload of --only ${only} runs in the ${dtype} process; nothing written`);
    return;
  }
  const out = callerPath(values.out ?? 'out');
  mkdirSync(out, { recursive: true });
  const file = join(out, `bench-${dtype}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, dtype, quick, rows: races.rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}

await main();
