// The transforms' rows, on W3's network (784-128-64-10) and batch (128): W7 per-example gradients, by
// compile(vmap(grad)) beside a loop of 128 grad calls and one batched gradient; W8 a Hessian-vector
// product, forward over reverse (jvp of grad) beside reverse over reverse (grad of ⟨grad, v⟩). jax-js
// runs the same rows (jit(vmap(grad)), jvp of grad), and PyTorch's functorch, where the machine has it,
// in a process of its own (torch-transforms.py), reported beside them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, type DType, grad, hvp, Rng, stack, type Tensor, tensor, vmap } from '@adjoint/autograd';
import { mlp } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import type { Contestant, Races } from './harness.js';
import { initialLayers } from './mlp.js';
import { MNIST_MLP, torchPython } from './workloads.js';

const np = jax.numpy;
type JaxArray = jax.Array;
const BATCH = 128;

/** W3's parameters as tensors [w1, b1, w2, b2, w3, b3], each weight [out, in] as nn's Linear holds it. */
function parameters(dtype: DType): Tensor[] {
  return mlp(MNIST_MLP, { dtype }).parameters() as Tensor[];
}

/** The arguments of both losses: the six parameters, then the inputs and the one-hot targets. */
type Arguments = [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
const unpack = (args: Tensor[]): Arguments => args as Arguments;

/** One example's loss: x [784] through the network, cross-entropy with its one-hot label y [10]. */
function exampleLoss(...args: Tensor[]): Tensor {
  const [w1, b1, w2, b2, w3, b3, x, y] = unpack(args);
  const h1 = w1
    .matmul(x.reshape([784, 1]))
    .reshape([128])
    .add(b1)
    .relu();
  const h2 = w2
    .matmul(h1.reshape([128, 1]))
    .reshape([64])
    .add(b2)
    .relu();
  const logits = w3
    .matmul(h2.reshape([64, 1]))
    .reshape([10])
    .add(b3);
  return logits.logSoftmax().mul(y).sum().neg();
}

/** The batch's mean loss: X [128, 784], Y [128, 10]. */
function batchLoss(...args: Tensor[]): Tensor {
  const [w1, b1, w2, b2, w3, b3, x, y] = unpack(args);
  const h1 = x.matmul(w1.T).add(b1).relu();
  const h2 = h1.matmul(w2.T).add(b2).relu();
  return h2.matmul(w3.T).add(b3).logSoftmax(1).mul(y).sum().div(-BATCH);
}

const PARAMS = [0, 1, 2, 3, 4, 5];

export async function raceTransforms(races: Races, dtype: DType, reps: number, ours: string): Promise<void> {
  const rng = new Rng(5);
  const images = Float32Array.from({ length: BATCH * 784 }, () => rng.uniform());
  const labels = Array.from({ length: BATCH }, () => rng.int(10));
  const oneHot = Float32Array.from(
    labels.flatMap((l) => Array.from({ length: 10 }, (_, k) => (k === l ? 1 : 0))),
  );
  const X = tensor(images, { shape: [BATCH, 784], dtype });
  const Y = tensor(oneHot, { shape: [BATCH, 10], dtype });
  const ps = parameters(dtype);
  const perExample = vmap(grad(exampleLoss, PARAMS), { inAxes: [null, null, null, null, null, null, 0, 0] });
  const compiled = compile((...args: Tensor[]) => perExample(...args) as unknown as Tensor[]);
  // stacked, as per-example gradients are used (clipped, averaged) and as vmap returns them
  const loop = () => {
    const grads = Array.from({ length: BATCH }, (_, b) => {
      const [x, y] = [X.slice(0, b, b + 1).reshape([784]), Y.slice(0, b, b + 1).reshape([10])];
      return grad(exampleLoss, PARAMS)(...ps, x, y);
    });
    return PARAMS.map((i) => stack(grads.map((g) => g[i]!)));
  };
  const torch = races.includes('W7') || races.includes('W8') ? torchRows(dtype, reps) : null;
  await races.race(
    `W7 per-example gradients: 784-128-64-10, batch ${BATCH}`,
    [
      { name: `${ours}, compile(vmap(grad))`, step: () => compiled(...ps, X, Y) },
      { name: `${ours}, vmap(grad)`, step: () => perExample(...ps, X, Y) },
      { name: `${ours}, a loop of ${BATCH} grad, stacked`, step: loop, rounds: Math.min(reps, 5) },
      { name: `${ours}, one batched grad`, step: () => grad(batchLoss, PARAMS)(...ps, X, Y) },
      { name: 'jax-js jit(vmap(grad)) (wasm, f32)', step: jaxPerExample(images, oneHot) },
      // the floor of every row that returns the per-example gradients: a fresh array of their size (128 ×
      // 109,386 numbers), written once; on a machine where a fresh page costs a fault, most of the time
      { name: `floor: a fresh ${dtype} array of that size, written`, step: () => freshArray(dtype, ps) },
    ],
    reps,
  );
  torch?.print('W7');

  const vs = ps.map((p) =>
    tensor(
      Float32Array.from({ length: p.size }, () => rng.normal()),
      { shape: p.shape, dtype },
    ),
  );
  const fwdOverRev = (...qs: Tensor[]) => hvp(batchLoss, [...qs, X, Y], [...vs, zerosLike(X), zerosLike(Y)]);
  const revOverRev = (...qs: Tensor[]) =>
    grad(
      (...rs: Tensor[]) =>
        (grad(batchLoss, PARAMS)(...rs, X, Y) as Tensor[]).reduce(
          (s, g, i) => s.add(g.mul(vs[i]!).sum()),
          tensor(0, { dtype }),
        ),
      PARAMS,
    )(...qs);
  await races.race(
    `W8 Hessian-vector product: 784-128-64-10, batch ${BATCH}`,
    [
      { name: `${ours}, jvp of grad (fwd-over-rev)`, step: () => fwdOverRev(...ps) },
      { name: `${ours}, grad of grad (rev-over-rev)`, step: () => revOverRev(...ps) },
      { name: 'jax-js jit(jvp(grad)) (wasm, f32)', step: jaxHvp(images, oneHot) },
    ],
    reps,
  );
  torch?.print('W8');
}

function freshArray(dtype: DType, ps: readonly Tensor[]): number {
  const size = BATCH * ps.reduce((n, p) => n + p.size, 0);
  return (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)).fill(1).length;
}

function zerosLike(x: Tensor): Tensor {
  return tensor(new Float64Array(x.size), { shape: x.shape, dtype: x.dtype });
}

function jaxParams(): JaxArray[] {
  return initialLayers(MNIST_MLP).flatMap((l) => [
    np.array(l.w, { shape: l.shape }),
    np.array(l.b, { shape: [l.b.length] }),
  ]);
}

/** jax-js's one-example loss, its weights [in, out] as jax stores them. */
function jaxExampleLoss(ps: JaxArray[], x: JaxArray, y: JaxArray): JaxArray {
  let h = np.reshape(x, [1, 784]);
  for (let i = 0; i < ps.length; i += 2) {
    h = np.add(np.matmul(h, ps[i]!), ps[i + 1]!);
    if (i + 2 < ps.length) h = np.maximum(h, 0);
  }
  return np.negative(np.sum(np.multiply(jax.nn.logSoftmax(np.reshape(h, [10]), -1), y)));
}

function jaxPerExample(images: Float32Array, oneHot: Float32Array): () => Promise<void> {
  const ps = jaxParams();
  const x = np.array(images, { shape: [BATCH, 784] });
  const y = np.array(oneHot, { shape: [BATCH, 10] });
  const step = jax.jit((qs: JaxArray[], xs: JaxArray, ys: JaxArray) =>
    jax.vmap(jax.grad(jaxExampleLoss), [null, 0, 0])(qs, xs, ys),
  );
  return async () => {
    const grads = step(
      ps.map((p) => p.ref),
      x.ref,
      y.ref,
    ) as unknown as JaxArray[];
    await grads[0]!.data();
    for (const g of grads.slice(1)) g.dispose();
  };
}

function jaxHvp(images: Float32Array, oneHot: Float32Array): () => Promise<void> {
  const ps = jaxParams();
  const vs = ps.map((p) => np.onesLike(p.ref));
  const x = np.array(images, { shape: [BATCH, 784] });
  const y = np.array(oneHot, { shape: [BATCH, 10] });
  const loss = (qs: JaxArray[]) => {
    let h = x.ref;
    for (let i = 0; i < qs.length; i += 2) {
      h = np.add(np.matmul(h, qs[i]!), qs[i + 1]!);
      if (i + 2 < qs.length) h = np.maximum(h, 0);
    }
    return np.negative(np.mean(np.sum(np.multiply(jax.nn.logSoftmax(h, -1), y.ref), -1)));
  };
  const step = jax.jit((qs: JaxArray[], ts: JaxArray[]) => jax.jvp(jax.grad(loss), [qs], [ts])[1]);
  return async () => {
    const out = step(
      ps.map((p) => p.ref),
      vs.map((v) => v.ref),
    ) as unknown as JaxArray[];
    await out[0]!.data();
    for (const o of out.slice(1)) o.dispose();
  };
}

/** functorch's medians for W7 and W8 from torch-transforms.py, or null where PyTorch is not installed. */
function torchRows(dtype: DType, reps: number): { print(workload: string): void } | null {
  const script = fileURLToPath(new URL('./torch-transforms.py', import.meta.url));
  const python = torchPython();
  if (python === undefined) {
    console.log("  (PyTorch's rows: not run here, no python3 that can import torch)");
    return null;
  }
  const run = spawnSync(python, [script, dtype, String(reps)], { encoding: 'utf8' });
  if (run.status !== 0) {
    console.log(
      `  (PyTorch's rows: not run here, python3 -c 'import torch' fails: ${run.stderr.trim().split('\n').pop()})`,
    );
    return null;
  }
  const rows = JSON.parse(run.stdout) as {
    workload: string;
    name: string;
    medianMs: number;
    minMs: number;
    maxMs: number;
  }[];
  return {
    print: (workload) => {
      for (const r of rows.filter((row) => row.workload === workload))
        console.log(
          `  ${r.name.padEnd(40)} ${`${r.medianMs.toFixed(3)} ms`.padStart(10)} ${`${r.minMs.toFixed(2)}–${r.maxMs.toFixed(2)} ms`.padStart(20)}   (its own process, same run)`,
        );
    },
  };
}

export type { Contestant };
