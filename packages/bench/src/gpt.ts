/**
 * W9: one training step of the names GPT (the names-gpt example's model at its full size: 4 layers, 4
 * heads, width 64, a context of 16, exact GELU, the head tied to the token table) on a batch of 32 names,
 * the loss masked past each name's end, plain SGD (the optimizer is not what is timed). adjoint eager and
 * compiled; jax-js traced once by jit, from adjoint's initial parameters; PyTorch (torch-gpt.py) in a
 * process of its own where it is installed, the same model written with its modules.
 */
import { compile, type DType, type Tensor, tensor } from '@adjoint/autograd';
import { type GptSize, maskedLoss, NamesGpt, names, sequences } from '@adjoint/examples';
import { SGD } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import { torchContestant } from './workloads.js';

const np = jax.numpy;
type JaxArray = jax.Array;

export const GPT_SIZE: GptSize = { layers: 4, heads: 4, dim: 64, context: 16 };
const BATCH = 32;
const LR = 0.1;
const V = 27;

/** The first 32 training names of seed 0, as the model reads them. */
export function gptBatch(): { x: number[][]; y: number[][]; mask: number[][] } {
  return sequences(names(0).train.slice(0, BATCH), GPT_SIZE.context);
}

/** The multiply-adds of the matrix products of one step, ×2 for FLOPs and ×3 for forward and both adjoints. */
export const GPT_FLOPS = (() => {
  const { layers, dim, context } = GPT_SIZE;
  const tokens = BATCH * context;
  const perLayer = tokens * dim * (3 * dim + dim + 8 * dim) + 2 * BATCH * context * context * dim;
  return 2 * 3 * (layers * perLayer + tokens * dim * V);
})();

/** adjoint's step, eager or compiled. */
export function adjointGptStep(dtype: DType, compiled = false): () => unknown {
  const gpt = new NamesGpt(GPT_SIZE, 0, dtype);
  const sgd = new SGD(gpt.parameters(), { lr: LR });
  const b = gptBatch();
  const [x, y, mask] = [tensor(b.x), tensor(b.y), tensor(b.mask, { dtype })];
  const step = (xs: Tensor, ys: Tensor, ms: Tensor) => {
    sgd.zeroGrad();
    const loss = maskedLoss(gpt.forward(xs), ys, ms);
    loss.backward();
    sgd.step();
    return loss;
  };
  const run = compiled ? compile(step) : step;
  return () => run(x, y, mask).item();
}

/** jax-js's step, from adjoint's float32 initial parameters, traced once by jit. */
export function jaxGptStep(): () => Promise<unknown> {
  const { layers, heads, dim, context: T } = GPT_SIZE;
  const d = dim / heads;
  const b = gptBatch();
  const start = new NamesGpt(GPT_SIZE, 0, 'float32').parameters();
  let params: JaxArray[] = start.map((p) => np.array(Float32Array.from(p.data), { shape: [...p.shape] }));
  const ids = np.array(Float32Array.from(b.x.flat()), { shape: [BATCH * T] });
  const targets = jax.nn.oneHot(
    np.array(Int32Array.from(b.y.flat()), { shape: [BATCH * T], dtype: np.int32 }),
    V,
  );
  const mask = np.array(Float32Array.from(b.mask.flat()), { shape: [BATCH * T, 1] });
  // −∞ above the diagonal: position t attends to positions ≤ t
  const above = np.array(
    Float32Array.from({ length: T * T }, (_, k) => (k % T > Math.floor(k / T) ? -1e9 : 0)),
    { shape: [T, T] },
  );
  const layerNorm = (x: JaxArray, w: JaxArray, bias: JaxArray) => {
    const mean = np.mean(x.ref, -1, { keepdims: true });
    const centred = np.subtract(x, mean);
    const variance = np.mean(np.square(centred.ref), -1, { keepdims: true });
    return np.add(np.multiply(np.divide(centred, np.sqrt(np.add(variance, 1e-5))), w), bias);
  };
  const linear = (x: JaxArray, w: JaxArray, bias: JaxArray) => np.add(np.matmul(x, np.transpose(w)), bias);
  const lossFn = (ps: JaxArray[], xs: JaxArray, ys: JaxArray, ms: JaxArray, mask: JaxArray): JaxArray => {
    const [tok, pos] = ps as [JaxArray, JaxArray];
    const oneHot = jax.nn.oneHot(np.astype(xs, np.int32), V);
    let h = np.add(np.reshape(np.matmul(oneHot, tok.ref), [BATCH, T, dim]), pos);
    for (let l = 0; l < layers; l++) {
      const [w1, b1, wqkv, bqkv, wo, bo, w2, b2, wfc, bfc, wproj, bproj] = ps.slice(
        2 + 12 * l,
        14 + 12 * l,
      ) as JaxArray[] as [JaxArray, ...JaxArray[]];
      const a = np.reshape(layerNorm(h.ref, w1, b1!), [BATCH * T, dim]);
      const qkv = np.transpose(np.reshape(linear(a, wqkv!, bqkv!), [BATCH, T, 3, heads, d]), [2, 0, 3, 1, 4]);
      const [q, k, v] = np.split(qkv, 3, 0).map((part) => np.reshape(part, [BATCH, heads, T, d])) as [
        JaxArray,
        JaxArray,
        JaxArray,
      ];
      const scores = np.add(np.multiply(np.matmul(q, np.swapaxes(k, -1, -2)), 1 / Math.sqrt(d)), mask.ref);
      const o = np.reshape(np.transpose(np.matmul(jax.nn.softmax(scores, -1), v), [0, 2, 1, 3]), [
        BATCH * T,
        dim,
      ]);
      h = np.add(h, np.reshape(linear(o, wo!, bo!), [BATCH, T, dim]));
      const m = np.reshape(layerNorm(h.ref, w2!, b2!), [BATCH * T, dim]);
      const f = linear(jax.nn.gelu(linear(m, wfc!, bfc!), { approximate: false }), wproj!, bproj!);
      h = np.add(h, np.reshape(f, [BATCH, T, dim]));
    }
    const [wn, bn] = ps.slice(-2) as [JaxArray, JaxArray];
    mask.dispose();
    const logits = np.matmul(np.reshape(layerNorm(h, wn, bn), [BATCH * T, dim]), np.transpose(tok));
    const picked = np.multiply(np.multiply(jax.nn.logSoftmax(logits, -1), ys), ms.ref);
    return np.negative(np.divide(np.sum(picked), np.sum(ms)));
  };
  const step = jax.jit((ps: JaxArray[], xs: JaxArray, ys: JaxArray, ms: JaxArray, mk: JaxArray) => {
    const [value, grads] = jax.valueAndGrad(lossFn)(
      ps.map((p) => p.ref),
      xs,
      ys,
      ms,
      mk,
    );
    return [value, ps.map((p, i) => np.subtract(p, np.multiply(grads[i]!, LR)))] as [JaxArray, JaxArray[]];
  });
  return async () => {
    const [value, next] = step(params, ids.ref, targets.ref, mask.ref, above.ref) as unknown as [
      JaxArray,
      JaxArray[],
    ];
    params = next;
    return value.data();
  };
}

/**
 * PyTorch's W9 contestant, torch-gpt.py (the same batch and adjoint's initial parameters on its stdin), or
 * a sentence saying why there is none (no python3 that can import torch).
 */
export function torchGptContestant(dtype: DType, threads: number) {
  const params = new NamesGpt(GPT_SIZE, 0, dtype)
    .parameters()
    .map((p) => ({ shape: [...p.shape], data: Array.from(p.data) }));
  return torchContestant('torch-gpt.py', dtype, threads, { ...gptBatch(), params });
}
