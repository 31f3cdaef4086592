import { noGrad, oneHot, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { SGD, softmaxCrossEntropy } from '@adjoint/nn';
import { ALPHABET, names, windows } from './data/names';
import type { ExampleOutput, RunOptions } from './example';
import { CONTEXT, NamesMlp } from './names-mlp';
import { lossCurve, means } from './plot';

/** Every parameter's gradient, by the name namedParameters gives it. */
export type Gradients = Record<string, Tensor>;

/** What namesManual returns: both trajectories, and how far apart they are. */
export interface NamesManualResult extends ExampleOutput {
  /** The loss of each step, trained by autodiff and by the bars written out by hand. */
  readonly losses: { readonly autodiff: number[]; readonly byHand: number[] };
  /** At the first step, each parameter's largest |by hand − autodiff|, relative to the model's largest gradient. */
  readonly firstStep: Record<string, number>;
  /** The largest |by hand − autodiff| over every parameter after the last step. */
  readonly parameterGap: number;
  /** Dev loss of each model in evaluation mode. */
  readonly dev: { readonly autodiff: number; readonly byHand: number };
}

/**
 * The loss of the names MLP (with BatchNorm, in training mode) on one batch, and the gradient of every
 * parameter from the bars written out by hand, as docs/derivations.md states them: no `backward()`.
 * The forward pass keeps what the backward pass reads; the running statistics move as the module's do.
 */
export function manualStep(
  model: NamesMlp,
  ids: number[][],
  y: number[],
): { loss: number; grads: Gradients } {
  const norm = model.norm!;
  const n = ids.length;
  return noGrad(() => {
    // forward, keeping every intermediate
    const emb = model.embed.forward(ids).reshape([n, CONTEXT * 10]);
    const hpre = emb.matmul(model.hidden.weight.transpose()).add(model.hidden.bias);
    const mean = hpre.mean(0, true);
    const centred = hpre.sub(mean);
    const variance = centred.mul(centred).mean(0, true); // the biased variance normalises, as PyTorch's
    const s = variance.add(norm.eps).sqrt();
    const xhat = centred.div(s);
    const h = xhat.mul(norm.weight).add(norm.bias).tanh();
    const logits = h.matmul(model.out.weight.transpose()).add(model.out.bias);
    const p = logits.softmax(1);
    const target = oneHot(tensor(y), ALPHABET.length);
    const loss = -p.log().mul(target).sum().item() / n;
    // the running statistics, as BatchNorm1d moves them (the unbiased variance for the running one)
    const [rm, rv, m, v] = [norm.running_mean.data, norm.running_var.data, mean.data, variance.data];
    for (let c = 0; c < rm.length; c++) {
      rm[c] = (1 - norm.momentum) * rm[c]! + norm.momentum * m[c]!;
      rv[c] = (1 - norm.momentum) * rv[c]! + (norm.momentum * v[c]! * n) / (n - 1);
    }
    norm.num_batches_tracked.data[0]! += 1;

    // backward: each bar from the one after it
    const logitsBar = p.sub(target).div(n); // softmax cross-entropy: (p − onehot) / n
    const hBar = logitsBar.matmul(model.out.weight); // a product's bars: the other factor, transposed
    const preBar = hBar.mul(h.mul(h).neg().add(1)); // tanh: (1 − h²)·h̄
    const xhatBar = preBar.mul(norm.weight);
    // BatchNorm's compact x̄: (n·x̂̄ − Σx̂̄ − x̂·Σ(x̂̄ ⊙ x̂)) / (n·s), per feature over the batch
    const hpreBar = xhatBar
      .mul(n)
      .sub(xhatBar.sum(0, true))
      .sub(xhat.mul(xhatBar.mul(xhat).sum(0, true)))
      .div(s.mul(n));
    const embBar = hpreBar.matmul(model.hidden.weight).reshape([n, CONTEXT, 10]);
    // the embedding: each row receives what every use of its letter received
    const tableBar = new Float64Array(ALPHABET.length * 10);
    const e = embBar.data;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < CONTEXT; j++) {
        const letter = ids[i]![j]!;
        for (let k = 0; k < 10; k++) tableBar[letter * 10 + k]! += e[(i * CONTEXT + j) * 10 + k]!;
      }
    return {
      loss,
      grads: {
        'embed.weight': tensor(tableBar).reshape([ALPHABET.length, 10]),
        'hidden.weight': hpreBar.transpose().matmul(emb),
        'hidden.bias': hpreBar.sum(0),
        'norm.weight': preBar.mul(xhat).sum(0),
        'norm.bias': preBar.sum(0),
        'out.weight': logitsBar.transpose().matmul(h),
        'out.bias': logitsBar.sum(0),
      },
    };
  });
}

/**
 * The names MLP trained twice from the same start on the same batches: once by autodiff, once with
 * only the bars written out by hand (manualStep) and the same SGD update. The two runs stay together to
 * rounding: the same losses, the same parameters, the same dev loss.
 */
export function namesManual(options: RunOptions = {}): NamesManualResult {
  const seed = options.seed ?? 0;
  const steps = options.epochs ?? (options.quick ? 300 : 3000);
  const lr = 0.1;
  const data = names(seed);
  const [train, dev] = [windows(data.train, CONTEXT), windows(data.dev, CONTEXT)];
  const [auto, hand] = [new NamesMlp({ batchNorm: true, seed }), new NamesMlp({ batchNorm: true, seed })];
  const optimizer = new SGD(auto.parameters(), { lr });
  const byName = new Map(hand.namedParameters());
  const rng = new Rng(seed);
  const losses = { autodiff: [] as number[], byHand: [] as number[] };
  const firstStep: Record<string, number> = {};
  for (let step = 0; step < steps; step++) {
    const rows = Array.from({ length: 32 }, () => rng.int(train.y.length));
    const [ids, y] = [rows.map((r) => train.x[r]!), rows.map((r) => train.y[r]!)];
    optimizer.zeroGrad();
    const loss = softmaxCrossEntropy(auto.forward(tensor(ids)), y);
    loss.backward();
    const { loss: handLoss, grads } = manualStep(hand, ids, y);
    if (step === 0) {
      // relative to the model's largest gradient: hidden.bias's is 0 in exact arithmetic (BatchNorm
      // removes any shift), so both sides are rounding there, and relative to itself it would be noise
      const scale = Math.max(...auto.parameters().map((p) => maxAbs(p.grad!.data, new Float64Array(p.size))));
      for (const [name, p] of auto.namedParameters())
        firstStep[name] = maxAbs(grads[name]!.data, p.grad!.data) / scale;
    }
    optimizer.step();
    for (const [name, g] of Object.entries(grads)) {
      const [x, d] = [byName.get(name)!.data, g.data];
      for (let i = 0; i < x.length; i++) x[i] = x[i]! - lr * d[i]!;
    }
    losses.autodiff.push(loss.item());
    losses.byHand.push(handLoss);
    options.onProgress?.(step + 1, steps);
  }
  const parameterGap = Math.max(
    ...auto.namedParameters().map(([name, p]) => maxAbs(p.data, byName.get(name)!.data)),
  );
  const devLoss = (model: NamesMlp) => {
    model.eval();
    return noGrad(() => softmaxCrossEntropy(model.forward(tensor(dev.x)), dev.y).item());
  };
  const devs = { autodiff: devLoss(auto), byHand: devLoss(hand) };
  const lossGap = Math.max(...losses.autodiff.map((l, i) => Math.abs(l - losses.byHand[i]!)));
  const worst = Math.max(...Object.values(firstStep));
  return {
    losses,
    firstStep,
    parameterGap,
    dev: devs,
    headline: `bars by hand = autodiff to ${worst.toExponential(1)} at step 1; dev loss ${devs.byHand.toFixed(4)} and ${devs.autodiff.toFixed(4)}`,
    report: [
      `the names MLP (BatchNorm), ${steps} SGD steps of 32 windows, trained by autodiff and by the bars written by hand`,
      'at the first step, |by hand − autodiff| / the largest gradient of the model, per parameter:',
      ...Object.entries(firstStep).map(([name, g]) => `  ${name.padEnd(14)} ${g.toExponential(2)}`),
      `largest difference of the losses over ${steps} steps: ${lossGap.toExponential(2)}`,
      `largest difference of the parameters at the end: ${parameterGap.toExponential(2)}`,
      `dev loss: ${devs.byHand.toFixed(6)} by hand, ${devs.autodiff.toFixed(6)} by autodiff`,
    ],
    figures: async () => [
      {
        name: 'names-manual-loss',
        svg: await lossCurve(
          'Names MLP: loss by autodiff and by hand (mean of each 50 steps)',
          { autodiff: means(losses.autodiff, 50), 'by hand': means(losses.byHand, 50) },
          { x: 'step', every: 50 },
        ),
      },
    ],
  };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
