import { noGrad, Rng, type Tensor, tensor } from '@adjoint/autograd';
import {
  BatchNorm1d,
  Embedding,
  fit,
  Linear,
  Module,
  SGD,
  StepLR,
  sample,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { ALPHABET, names, windows } from './data/names';
import type { ExampleOutput, RunOptions } from './example';
import { embeddingMap } from './names-plot';
import { lossCurve, means } from './plot';

/** The characters a prediction sees (makemore's block size). */
export const CONTEXT = 3;

/**
 * Bengio et al.'s (2003) model of the next character, as makemore's third part builds it: each of the
 * last CONTEXT characters looked up in a table of 10-number embeddings, the three concatenated, a hidden
 * layer of 200 tanh units (with BatchNorm1d before the tanh, or without), and 27 logits.
 */
export class NamesMlp extends Module {
  readonly embed: Embedding;
  readonly hidden: Linear;
  readonly norm: BatchNorm1d | null;
  readonly out: Linear;

  constructor(options: { readonly batchNorm: boolean; readonly seed: number }) {
    super();
    const rng = new Rng(options.seed);
    this.embed = new Embedding(ALPHABET.length, 10, { rng });
    this.hidden = new Linear(CONTEXT * 10, 200, { rng });
    this.norm = options.batchNorm ? new BatchNorm1d(200) : null;
    this.out = new Linear(200, ALPHABET.length, { rng });
  }

  /** Logits [B, 27] for the contexts [B, CONTEXT] (character indices). */
  forward(context: Tensor): Tensor {
    const h = this.hidden.forward(this.embed.forward(context).reshape([context.shape[0]!, CONTEXT * 10]));
    return this.out.forward((this.norm === null ? h : this.norm.forward(h)).tanh());
  }
}

/** One variant's run: its losses in evaluation mode, and the loss of each mini-batch. */
export interface MlpRun {
  readonly batchNorm: boolean;
  readonly train: number;
  readonly dev: number;
  readonly batches: number[];
}

/** What namesMlp returns: a run with BatchNorm and one without, and names sampled from the first. */
export interface NamesMlpResult extends ExampleOutput {
  readonly runs: readonly MlpRun[];
  readonly samples: string[];
  readonly mlp: NamesMlp;
}

/**
 * The MLP of makemore's third part on the names, with and without BatchNorm: mini-batches of 32, SGD at
 * 0.1 and 0.01 for the last quarter, then the train and dev losses in evaluation mode (BatchNorm on its
 * running statistics), as the lecture's table reports them.
 */
export function namesMlp(options: RunOptions = {}): NamesMlpResult {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? (options.quick ? 1 : 10);
  const data = names(seed);
  const [train, dev] = [windows(data.train, CONTEXT), windows(data.dev, CONTEXT)];
  const [x, y] = [tensor(train.x), tensor(train.y)];
  const [devX, devY] = [tensor(dev.x), tensor(dev.y)];
  const models: NamesMlp[] = [];
  const runs = [true, false].map((batchNorm, r): MlpRun => {
    const model = new NamesMlp({ batchNorm, seed });
    models.push(model);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const batches: number[] = [];
    const perEpoch = Math.ceil(train.y.length / 32);
    fit(
      model,
      { x, y },
      {
        loss: softmaxCrossEntropy,
        optimizer,
        epochs,
        batchSize: 32,
        seed,
        compile: true,
        callbacks: [new StepLR(optimizer, { stepSize: Math.ceil((3 * epochs) / 4), gamma: 0.1 })],
        onBatch: (_, loss) => {
          batches.push(loss);
          options.onProgress?.(r * epochs * perEpoch + batches.length, 2 * epochs * perEpoch);
        },
      },
    );
    model.eval();
    const loss = (inputs: Tensor, targets: Tensor) =>
      noGrad(() => softmaxCrossEntropy(model.forward(inputs), targets).item());
    return { batchNorm, train: loss(x, y), dev: loss(devX, devY), batches };
  });
  const model = models[0]!;
  const samples = drawNames(model, seed, 8);
  const row = (r: MlpRun) =>
    `${(r.batchNorm ? 'with BatchNorm1d' : 'without').padEnd(20)}${r.train.toFixed(4).padStart(8)}${r.dev.toFixed(4).padStart(8)}`;
  return {
    runs,
    samples,
    mlp: model,
    headline: `dev loss ${runs[0]!.dev.toFixed(3)} with BatchNorm, ${runs[1]!.dev.toFixed(3)} without`,
    report: [
      `${data.train.length} training names (${train.y.length} windows of ${CONTEXT}), ${data.dev.length} dev; ${epochs} epochs of mini-batches of 32`,
      `loss (evaluation mode)  train     dev`,
      ...runs.map(row),
      `sampled: ${samples.join(', ')}`,
    ],
    figures: async () => [
      {
        name: 'names-mlp-embedding',
        svg: await embeddingMap(
          "Names MLP (with BatchNorm): the letters' embeddings on their two principal axes",
          model.embed.weight.toArray() as number[][],
        ),
      },
      {
        name: 'names-mlp-loss',
        svg: await lossCurve(
          'Names MLP: training loss (mean of each 100 mini-batches)',
          Object.fromEntries(
            runs.map((r) => [r.batchNorm ? 'BatchNorm1d' : 'without', means(r.batches, 100)]),
          ),
          { x: 'step', every: 100 },
        ),
      },
    ],
  };
}

/** `n` names sampled from a model in evaluation mode, one character at a time, with a seeded generator. */
export function drawNames(model: NamesMlp, seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const context: number[] = new Array(CONTEXT).fill(0);
    let name = '';
    for (;;) {
      const next = sample(model.forward(tensor([context])).reshape([ALPHABET.length]), { rng })[0]!;
      if (next === 0 || name.length >= 30) break;
      name += ALPHABET[next];
      context.push(next);
      context.shift();
    }
    out.push(name);
  }
  return out;
}
