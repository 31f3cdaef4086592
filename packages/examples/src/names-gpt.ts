import { compile, type DType, noGrad, oneHot, Rng, type Tensor, tensor } from '@adjoint/autograd';
import {
  AdamW,
  CosineAnnealingLR,
  clipGradNorm,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  LinearLR,
  Module,
  ModuleList,
  MultiHeadAttention,
  SequentialLR,
  sample,
} from '@adjoint/nn';
import { ALPHABET, encode, names } from './data/names';
import type { ExampleOutput, RunOptions } from './example';
import { attentionMaps } from './names-plot';
import { lossCurve, means } from './plot';

/** A GPT's size: layers, heads, width, and the context it reads. */
export interface GptSize {
  readonly layers: number;
  readonly heads: number;
  readonly dim: number;
  readonly context: number;
}

/** A pre-norm transformer block: x + attention(LN(x)), then h + MLP(LN(h)), as nanoGPT's Block. */
class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly act = new GELU();
  readonly proj: Linear;

  constructor(dim: number, heads: number, rng: Rng, dtype: DType) {
    super();
    this.ln1 = new LayerNorm(dim, { dtype });
    this.attn = new MultiHeadAttention(dim, heads, { causal: true, rng, dtype });
    this.ln2 = new LayerNorm(dim, { dtype });
    this.fc = new Linear(dim, 4 * dim, { rng, dtype });
    this.proj = new Linear(4 * dim, dim, { rng, dtype });
  }

  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x)));
    return h.add(this.proj.forward(this.act.forward(this.fc.forward(this.ln2.forward(h)))));
  }
}

/**
 * A small GPT over the 27 characters: token and position embeddings, `layers` blocks, a final LayerNorm,
 * and the token embedding's transpose as the output layer (weight tying, as GPT-2 and nanoGPT).
 */
export class NamesGpt extends Module {
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly blocks: ModuleList<Block>;
  readonly norm: LayerNorm;

  constructor(
    readonly size: GptSize,
    seed: number,
    dtype: DType = 'float64',
  ) {
    super();
    const rng = new Rng(seed);
    this.tokens = new Embedding(ALPHABET.length, size.dim, { rng, dtype });
    this.positions = new Embedding(size.context, size.dim, { rng, dtype });
    this.blocks = new ModuleList(
      Array.from({ length: size.layers }, () => new Block(size.dim, size.heads, rng, dtype)),
    );
    this.norm = new LayerNorm(size.dim, { dtype });
    // nanoGPT's initialisation: every matrix N(0, 0.02²), the projections back into the residual stream
    // scaled by 1/√(2·layers), biases 0 (the LayerNorms keep their ones and zeros)
    for (const [name, p] of this.namedParameters()) {
      const data = p.data;
      if (p.ndim === 1) {
        if (!name.includes('ln') && !name.startsWith('norm')) data.fill(0);
        continue;
      }
      const std = name.endsWith('proj.weight') ? 0.02 / Math.sqrt(2 * size.layers) : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    }
  }

  /** Logits [B, T, 27] for the token indices [B, T] (T ≤ context). */
  forward(ids: Tensor): Tensor {
    const [b, t] = ids.shape as [number, number];
    let h = this.#embed(ids);
    for (const block of this.blocks) h = block.forward(h);
    return this.norm.forward(h).matmul(this.tokens.weight.transpose()).reshape([b, t, ALPHABET.length]);
  }

  /** Each layer's attention weights [B, H, T, T] for the token indices [B, T]: what the picture shows. */
  attention(ids: Tensor): Tensor[] {
    let h = this.#embed(ids);
    const weights: Tensor[] = [];
    for (const block of this.blocks) {
      weights.push(block.attn.attentionWeights(block.ln1.forward(h)));
      h = block.forward(h);
    }
    return weights;
  }

  /** Token plus position embeddings [B, T, dim]. */
  #embed(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    return this.tokens.forward(ids).add(this.positions.forward(Array.from({ length: t }, (_, i) => i)));
  }
}

/**
 * A name as a GPT reads it: x = '.' then the letters, y = the letters then '.', both padded to `context`
 * with '.' and a mask that is 1 where y is a real target (padding is not learned).
 */
export function sequences(
  list: readonly string[],
  context: number,
): { x: number[][]; y: number[][]; mask: number[][] } {
  const [x, y, mask]: [number[][], number[][], number[][]] = [[], [], []];
  for (const name of list) {
    const ids = [...name].map(encode);
    if (ids.length + 1 > context)
      throw new RangeError(
        `names-gpt: '${name}' has ${ids.length} letters; the context holds ${context - 1}`,
      );
    const pad = (row: number[]) => [...row, ...new Array(context - row.length).fill(0)];
    x.push(pad([0, ...ids]));
    y.push(pad([...ids, 0]));
    mask.push(pad(new Array(ids.length + 1).fill(1)));
  }
  return { x, y, mask };
}

/**
 * The mean negative log-likelihood of the targets where the mask is 1 (PyTorch's ignore_index, by hand).
 * The targets pick their log-probabilities through one-hot rows, which a compiled step replays with each
 * batch's targets (gather's indices would be constants of the program).
 */
export function maskedLoss(logits: Tensor, y: Tensor, mask: Tensor): Tensor {
  const v = ALPHABET.length;
  const n = y.size;
  const picked = logits
    .reshape([n, v])
    .logSoftmax(1)
    .mul(oneHot(y.reshape([n]), v).astype(logits.dtype));
  const m = mask.reshape([n, 1]);
  return picked.mul(m).sum().div(m.sum()).neg();
}

/** What namesGpt returns. */
export interface NamesGptResult extends ExampleOutput {
  readonly size: GptSize;
  readonly steps: number;
  /** The loss of each mini-batch. */
  readonly losses: number[];
  /** The dev loss at the start and at the end. */
  readonly dev: { readonly initial: number; readonly final: number };
  readonly samples: string[];
  readonly gpt: NamesGpt;
}

/**
 * A small GPT trained on the names: mini-batches of 32 names, AdamW (weight decay on the matrices only:
 * not on biases, LayerNorm's parameters or the position table), gradients clipped to a global norm of 1,
 * the learning rate warmed up linearly over the first tenth and then annealed along a cosine; then the
 * dev loss, and names sampled at temperature 1 from the seeded generator.
 */
export function namesGpt(options: RunOptions = {}): NamesGptResult {
  const seed = options.seed ?? 0;
  const size: GptSize = options.quick
    ? { layers: 2, heads: 2, dim: 32, context: 16 }
    : { layers: 4, heads: 4, dim: 64, context: 16 };
  const steps = options.epochs ?? (options.quick ? 300 : 1000);
  const data = names(seed);
  const train = sequences(data.train, size.context);
  const dev = sequences(data.dev, size.context);
  const gpt = new NamesGpt(size, seed);
  const matrices = gpt.namedParameters().filter(([name, p]) => p.ndim === 2 && !name.startsWith('positions'));
  const rest = gpt.namedParameters().filter(([, p]) => !matrices.some(([, q]) => q === p));
  const optimizer = new AdamW(
    [
      { params: matrices.map(([, p]) => p), weightDecay: 0.1 },
      { params: rest.map(([, p]) => p), weightDecay: 0 },
    ],
    { lr: 3e-3, betas: [0.9, 0.99] },
  );
  const warmup = Math.max(1, Math.round(steps / 10));
  const schedule = new SequentialLR(
    optimizer,
    [
      new LinearLR(optimizer, { startFactor: 0.1, totalIters: warmup }),
      new CosineAnnealingLR(optimizer, { tMax: steps - warmup, etaMin: 3e-4 }),
    ],
    [warmup],
  );
  const devLoss = () => {
    gpt.eval();
    const loss = noGrad(() => maskedLoss(gpt.forward(tensor(dev.x)), tensor(dev.y), tensor(dev.mask)).item());
    gpt.train();
    return loss;
  };
  const initial = devLoss();
  // one training step, traced once and replayed with each batch (the rate is read at every call)
  const trainStep = compile((x: Tensor, y: Tensor, mask: Tensor) => {
    optimizer.zeroGrad();
    const loss = maskedLoss(gpt.forward(x), y, mask);
    loss.backward();
    clipGradNorm(gpt.parameters(), 1);
    optimizer.step();
    return loss;
  });
  const rng = new Rng(seed);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const rows = Array.from({ length: 32 }, () => rng.int(train.x.length));
    const pick = (m: number[][]) => tensor(rows.map((r) => m[r]!));
    losses.push(trainStep(pick(train.x), pick(train.y), pick(train.mask)).item());
    schedule.step();
    options.onProgress?.(step + 1, steps);
  }
  const final = devLoss();
  gpt.eval();
  const samples = drawNames(gpt, seed, 8);
  const parameters = gpt.parameters().reduce((n, p) => n + p.size, 0);
  return {
    size,
    steps,
    losses,
    dev: { initial, final },
    samples,
    gpt,
    headline: `dev loss ${final.toFixed(3)} after ${steps} steps (from ${initial.toFixed(3)})`,
    report: [
      `GPT: ${size.layers} layers, ${size.heads} heads, width ${size.dim}, context ${size.context}; ${parameters} parameters`,
      `${data.train.length} training names, ${data.dev.length} dev; ${steps} steps of 32 names (AdamW, warm-up + cosine, clipped)`,
      `dev loss: ${initial.toFixed(4)} at the start, ${final.toFixed(4)} at the end`,
      `sampled: ${samples.join(', ')}`,
    ],
    figures: async () => [
      { name: 'names-gpt-attention', svg: await attentionFigure(gpt, data.dev) },
      {
        name: 'names-gpt-loss',
        svg: await lossCurve(
          'Names GPT: training loss (mean of each 50 steps)',
          { train: means(losses, 50) },
          { x: 'step', every: 50 },
        ),
      },
    ],
  };
}

/** The attention maps of every layer and head for the first dev name of five letters or more. */
function attentionFigure(gpt: NamesGpt, dev: readonly string[]): Promise<string> {
  const name = dev.find((n) => n.length >= 5 && n.length < gpt.size.context) ?? dev[0]!;
  const ids = [0, ...[...name].map(encode)];
  const weights = noGrad(() => gpt.attention(tensor([ids])));
  return attentionMaps(
    name,
    weights.map((w) => (w.toArray() as number[][][][])[0]!),
  );
}

/** `n` names sampled from the GPT (in evaluation mode), a character at a time, with a seeded generator. */
export function drawNames(gpt: NamesGpt, seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const ids = [0];
    while (ids.length < gpt.size.context) {
      const logits = noGrad(() => gpt.forward(tensor([ids])));
      const next = sample(logits.slice(1, ids.length - 1, ids.length).reshape([ALPHABET.length]), {
        rng,
      })[0]!;
      if (next === 0) break;
      ids.push(next);
    }
    out.push(
      ids
        .slice(1)
        .map((i) => ALPHABET[i])
        .join(''),
    );
  }
  return out;
}
