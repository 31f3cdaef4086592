import { noGrad, tensor } from '@adjoint/autograd';
import { Adam, accuracy, binaryCrossEntropyWithLogits, fit, mlp } from '@adjoint/nn';
import { circles } from './data/synthetic';
import type { ExampleOutput, RunOptions } from './example';
import { decisionBoundary, lossCurve } from './plot';

/** One adjoint of the network: autodiff's values, the notes' hand formula, and the largest difference. */
export interface AdjointRow {
  readonly name: string;
  readonly autodiff: number[];
  readonly hand: number[];
  readonly maxDifference: number;
}

/** What umons returns: the adjoint table, its largest difference, and training. */
export interface UmonsResult extends ExampleOutput {
  readonly adjoints: readonly AdjointRow[];
  readonly maxDifference: number;
  readonly accuracy: number;
  readonly loss: number[];
}

/**
 * Note 004 (UMONS, Machine Learning II): the 2-3-1 network g = Ux + b, h = tanh(g), z = Wh + c,
 * o = σ(z) with the stable log-loss y·log(1 + e⁻ᶻ) + (1 − y)·log(1 + eᶻ). First every adjoint that
 * backpropagation computes is set beside the notes' backward equations (vector form), then the
 * network is trained on two concentric circles.
 */
export function umons(options: RunOptions = {}): UmonsResult {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? (options.quick ? 150 : 400);
  const data = circles(200, 0.08, 0.4, seed);
  const N = data.x.length;
  const net = mlp({
    inputs: 2,
    layers: [
      { units: 3, activation: 'tanh' },
      { units: 1, activation: 'linear' },
    ],
    seed,
  });
  // the layers as modules (g = Ux + b, then tanh, then z = Wh + c) and the parameters by their names
  const [layerU, tanh, layerW] = net.modules;
  const parameters = new Map(net.namedParameters());
  const [U, b, W, c] = ['0.weight', '0.bias', '2.weight', '2.bias'].map((name) => parameters.get(name)!);
  const X = tensor(data.x);
  const y = tensor(data.y.map((v) => [v]));

  // Backpropagation, keeping the adjoints of the intermediates G, H and z.
  const G = layerU!.forward(X).retainGrad();
  const H = tanh!.forward(G).retainGrad();
  const z = layerW!.forward(H).retainGrad();
  binaryCrossEntropyWithLogits(z, y).backward();

  // The notes' backward equations (vector form), evaluated directly.
  const hand = noGrad(() => {
    const zBar = z.sigmoid().sub(y).div(N); // z̄ = (o − y) / N
    const hBar = zBar.matmul(W!); // H̄ = z̄ W
    const gBar = hBar.mul(H.pow(2).neg().add(1)); // Ḡ = H̄ ⊙ (1 − tanh²(G))
    return {
      z̄: zBar,
      'W̄ = Hᵀz̄': zBar.T.matmul(H),
      'c̄ = z̄ᵀ1': zBar.sum(0),
      'H̄ = z̄W': hBar,
      'Ḡ = H̄ ⊙ (1 − tanh² G)': gBar,
      'Ū = ḠᵀX': gBar.T.matmul(X),
      'b̄ = Ḡᵀ1': gBar.sum(0),
    };
  });
  const computed = [z.grad!, W!.grad!, c!.grad!, H.grad!, G.grad!, U!.grad!, b!.grad!];
  const adjoints = Object.entries(hand).map(([name, h], k): AdjointRow => {
    const a = Array.from(computed[k]!.data);
    const b = Array.from(h.data);
    return { name, autodiff: a, hand: b, maxDifference: Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) };
  });
  const maxDifference = Math.max(...adjoints.map((r) => r.maxDifference));

  for (const p of net.parameters()) p.zeroGrad();
  const history = fit(
    net,
    { x: X, y },
    {
      loss: binaryCrossEntropyWithLogits,
      optimizer: new Adam(net.parameters(), { lr: 0.05 }),
      epochs,
      onEpoch: (e) => options.onProgress?.(e + 1, epochs),
    },
  );
  const predict = (points: number[][]) =>
    noGrad(() => Array.from(net.forward(tensor(points)).sigmoid().data));
  const acc = accuracy(tensor(predict(data.x)), data.y);
  const show = (xs: number[]) =>
    xs
      .slice(0, 6)
      .map((v) => v.toExponential(3).padStart(11))
      .join(' ') + (xs.length > 6 ? ' …' : '');
  return {
    model: net,
    adjoints,
    maxDifference,
    accuracy: acc,
    loss: history.loss,
    headline: `adjoints match the notes to ${maxDifference.toExponential(1)}; accuracy ${(100 * acc).toFixed(1)}%`,
    report: [
      `The 2-3-1 network on ${N} points (two circles), at its initial weights:`,
      ...adjoints.flatMap((r) => [
        `${r.name}  (largest |difference| ${r.maxDifference.toExponential(2)})`,
        `   autodiff ${show(r.autodiff)}`,
        `   notes    ${show(r.hand)}`,
      ]),
      `largest difference over every adjoint: ${maxDifference.toExponential(2)}`,
      `trained ${epochs} epochs with Adam: log-loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${(100 * acc).toFixed(1)}%`,
    ],
    figures: async () => [
      {
        name: 'umons-loss',
        svg: await lossCurve('UMONS 2-3-1 network: log-loss per epoch', { loss: history.loss }),
      },
      {
        name: 'umons-boundary',
        svg: await decisionBoundary('UMONS 2-3-1 network: decision regions', data, predict),
      },
    ],
  };
}
