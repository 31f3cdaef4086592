import { Rng, type Tensor, tensor } from '@adjoint/autograd';
import { Embedding, SGD, sample, softmaxCrossEntropy } from '@adjoint/nn';
import { ALPHABET, names, windows } from './data/names';
import type { ExampleOutput, RunOptions } from './example';
import { bigramTables } from './names-plot';
import { lossCurve } from './plot';

/** What namesBigram returns: both tables, their losses, and samples from each. */
export interface NamesBigramResult extends ExampleOutput {
  /** P(next | previous) from the counts (add-one smoothed), row-major [27 × 27]. */
  readonly counted: Float64Array;
  /** The same table, learned: softmax of the trained [27 × 27] logits. */
  readonly learned: Float64Array;
  /** Mean negative log-likelihood of the train and dev bigrams under each table. */
  readonly nll: { readonly counted: Loss; readonly learned: Loss };
  /** The largest |learned − counted| over the rows of letters seen at least 500 times. */
  readonly gap: number;
  readonly samples: { readonly counted: string[]; readonly learned: string[] };
  /** The learned model's loss at each step. */
  readonly losses: number[];
}

interface Loss {
  readonly train: number;
  readonly dev: number;
}

const V = ALPHABET.length;
/** How often a letter must have been seen for its row to count in the comparison of the tables. */
const COMMON = 500;
/** Bigrams per step. */
const BATCH = 2048;

/**
 * The bigram model of names two ways, as makemore starts: P(next | previous) counted over the training
 * names (add-one smoothed), and the same 27 × 27 table learned as the logits of one layer (an Embedding
 * of 27 rows of 27) by gradient descent on the mean negative log-likelihood with a small penalty on the
 * logits (0.01 · mean W², which plays the part the smoothing plays for counts). Both reach the same
 * loss and nearly the same table, and sample the same kind of names.
 */
export function namesBigram(options: RunOptions = {}): NamesBigramResult {
  const seed = options.seed ?? 0;
  const steps = options.epochs ?? (options.quick ? 100 : 400);
  const data = names(seed);
  const [train, dev] = [windows(data.train, 1), windows(data.dev, 1)];

  const counts = new Float64Array(V * V);
  train.x.forEach(([previous], i) => {
    counts[previous! * V + train.y[i]!]!++;
  });
  const counted = new Float64Array(V * V);
  for (let r = 0; r < V; r++) {
    let total = 0;
    for (let c = 0; c < V; c++) total += counts[r * V + c]! + 1;
    for (let c = 0; c < V; c++) counted[r * V + c] = (counts[r * V + c]! + 1) / total;
  }

  const table = new Embedding(V, V, { seed });
  const optimizer = new SGD(table.parameters(), { lr: 50 });
  const rng = new Rng(seed);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    // a mini-batch of BATCH bigrams drawn from the training names; the last quarter at a tenth of the rate
    const rows = Array.from({ length: BATCH }, () => rng.int(train.y.length));
    optimizer.lr = step < 0.75 * steps ? 50 : 5;
    optimizer.zeroGrad();
    const logits = table.forward(rows.map((r) => train.x[r]![0]!));
    const loss = softmaxCrossEntropy(logits, tensor(rows.map((r) => train.y[r]!))).add(
      table.weight.mul(table.weight).mean().mul(0.01),
    );
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
    options.onProgress?.(step + 1, steps);
  }
  const learned = Float64Array.from(softmaxRows(table.weight));

  const nll = (p: Float64Array, set: { x: number[][]; y: number[] }) =>
    -set.y.reduce((sum, next, i) => sum + Math.log(p[set.x[i]![0]! * V + next]!), 0) / set.y.length;
  const losses2 = (p: Float64Array) => ({ train: nll(p, train), dev: nll(p, dev) });
  const result = { counted: losses2(counted), learned: losses2(learned) };
  // rows of letters seen rarely are where add-one smoothing and the penalty on W part ways: compare the
  // rows of the letters that follow-ups were counted for at least COMMON times
  const seen = Array.from({ length: V }, (_, r) =>
    counts.subarray(r * V, (r + 1) * V).reduce((a, b) => a + b, 0),
  );
  const gap = counted.reduce(
    (m, p, i) => (seen[Math.floor(i / V)]! >= COMMON ? Math.max(m, Math.abs(p - learned[i]!)) : m),
    0,
  );
  const common = seen.filter((n) => n >= COMMON).length;
  const samples = { counted: draw(counted, seed, 6), learned: draw(learned, seed, 6) };
  const row = (name: string, l: Loss) =>
    `${name.padEnd(26)}${l.train.toFixed(4).padStart(8)}${l.dev.toFixed(4).padStart(8)}`;
  return {
    counted,
    learned,
    nll: result,
    gap,
    samples,
    losses,
    headline: `dev loss ${result.counted.dev.toFixed(3)} counted, ${result.learned.dev.toFixed(3)} learned; common letters' rows within ${gap.toFixed(3)}`,
    report: [
      `${data.train.length} training names, ${data.dev.length} dev, ${data.test.length} test; ${train.y.length} training bigrams`,
      `mean negative log-likelihood    train     dev`,
      row('counts (add-one)', result.counted),
      row(`learned (${steps} steps)`, result.learned),
      `largest difference between the two tables, over the ${common} letters seen ${COMMON} times or more: ${gap.toFixed(4)}`,
      `sampled from the counts:  ${samples.counted.join(', ')}`,
      `sampled from the learned: ${samples.learned.join(', ')}`,
    ],
    figures: async () => [
      { name: 'names-bigram-tables', svg: await bigramTables(counted, learned) },
      {
        name: 'names-bigram-loss',
        svg: await lossCurve(
          'Names bigram: loss per step (learned table)',
          { learned: losses },
          { x: 'step' },
        ),
      },
    ],
  };
}

/** Softmax of each row of a [V, V] tensor, as plain numbers. */
function softmaxRows(w: Tensor): number[] {
  const data = w.data;
  const out: number[] = [];
  for (let r = 0; r < V; r++) {
    const row = Array.from(data.subarray(r * V, (r + 1) * V));
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / total));
  }
  return out;
}

/** `n` names drawn from a table, a character at a time from '.' until '.', with a generator seeded by `seed`. */
function draw(table: Float64Array, seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let name = '';
    for (let c = 0; ; ) {
      const logits = tensor(Array.from(table.subarray(c * V, (c + 1) * V), Math.log));
      c = sample(logits, { rng })[0]!;
      if (c === 0 || name.length >= 30) break;
      name += ALPHABET[c];
    }
    out.push(name);
  }
  return out;
}
