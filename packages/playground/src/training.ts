/**
 * The training panel without the page: its configuration (and how it reads and writes a URL), and a
 * trainer that advances one mini-batch at a time, so the page can run it in slices between frames.
 */
import { Rng, type Tensor, tensor } from '@adjoint/autograd';
import {
  ACTIVATIONS,
  type ActivationName,
  Adam,
  accuracy,
  binaryCrossEntropy,
  mlp,
  mse,
  predict,
  type Sequential,
  SGD,
  takeRows,
} from '@adjoint/nn';
import { DATASETS, type DatasetName, dataset } from './datasets.js';

/** Everything that defines a training run; the URL holds it. */
export interface TrainConfig {
  readonly data: DatasetName;
  readonly noise: number;
  /** Units of each hidden layer; the output is one sigmoid unit. */
  readonly layers: readonly number[];
  readonly activation: Exclude<ActivationName, 'softmax' | 'linear' | 'sigmoid'> | 'sigmoid';
  readonly loss: 'bce' | 'mse';
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
  readonly batch: number;
  readonly seed: number;
}

/** The panel's starting configuration. */
export const DEFAULTS: TrainConfig = {
  data: 'moons',
  noise: 0.1,
  layers: [8, 8],
  activation: 'tanh',
  loss: 'bce',
  optimizer: 'adam',
  lr: 0.03,
  batch: 20,
  seed: 0,
};

/** The hidden-layer activations offered. */
export const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter(
  (a): a is TrainConfig['activation'] => a !== 'softmax' && a !== 'linear',
);

/** The configuration as URL search parameters (only what differs from the defaults). */
export function toParams(config: TrainConfig): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS) as (keyof TrainConfig)[]) {
    const value = key === 'layers' ? config.layers.join(',') : String(config[key]);
    const fallback = key === 'layers' ? DEFAULTS.layers.join(',') : String(DEFAULTS[key]);
    if (value !== fallback) params.set(key, value);
  }
  return params;
}

/** A configuration from URL parameters: each field checked, anything missing or invalid left at its default. */
export function fromParams(params: URLSearchParams): TrainConfig {
  const number = (key: string, fallback: number, ok: (v: number) => boolean) => {
    const v = Number(params.get(key));
    return params.has(key) && Number.isFinite(v) && ok(v) ? v : fallback;
  };
  const choice = <T extends string>(key: string, options: readonly T[], fallback: T): T =>
    options.includes(params.get(key) as T) ? (params.get(key) as T) : fallback;
  const layers = (params.get('layers') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  return {
    data: choice('data', DATASETS, DEFAULTS.data),
    noise: number('noise', DEFAULTS.noise, (v) => v >= 0 && v <= 1),
    layers:
      params.has('layers') &&
      layers.length <= 6 &&
      layers.every((u) => Number.isInteger(u) && u >= 1 && u <= 64)
        ? layers
        : DEFAULTS.layers,
    activation: choice('activation', HIDDEN_ACTIVATIONS, DEFAULTS.activation),
    loss: choice('loss', ['bce', 'mse'] as const, DEFAULTS.loss),
    optimizer: choice('optimizer', ['adam', 'sgd'] as const, DEFAULTS.optimizer),
    lr: number('lr', DEFAULTS.lr, (v) => v > 0 && v <= 10),
    batch: number('batch', DEFAULTS.batch, (v) => Number.isInteger(v) && v >= 1 && v <= 200),
    seed: number('seed', DEFAULTS.seed, Number.isSafeInteger),
  };
}

/** A run: the data, the model, the optimizer, and the history of losses and accuracies. */
export class Trainer {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly points: ReturnType<typeof dataset>;
  readonly model: Sequential;
  readonly losses: number[] = [];
  readonly accuracies: number[] = [];
  steps = 0;
  readonly #optimizer: SGD | Adam;
  readonly #rng: Rng;
  #order: number[] = [];

  constructor(readonly config: TrainConfig) {
    this.points = dataset(config.data, 200, config.noise, config.seed);
    this.x = tensor(this.points.x);
    this.y = tensor(this.points.y.map((v) => [v]));
    this.model = mlp({
      inputs: 2,
      layers: [
        ...config.layers.map((units) => ({ units, activation: config.activation })),
        { units: 1, activation: 'sigmoid' as const },
      ],
      seed: config.seed,
    });
    const parameters = this.model.parameters();
    this.#optimizer =
      config.optimizer === 'adam'
        ? new Adam(parameters, { lr: config.lr })
        : new SGD(parameters, { lr: config.lr });
    this.#rng = new Rng(config.seed + 1);
  }

  /** One mini-batch step (the samples are reshuffled at the start of every epoch); returns its loss. */
  step(): number {
    if (this.#order.length === 0)
      this.#order = this.#rng.shuffle(Array.from({ length: this.points.y.length }, (_, i) => i));
    const rows = this.#order.splice(0, this.config.batch);
    this.#optimizer.zeroGrad();
    const p = this.model.forward(takeRows(this.x, rows));
    const target = takeRows(this.y, rows);
    const loss = this.config.loss === 'bce' ? binaryCrossEntropy(p, target) : mse(p, target);
    loss.backward();
    this.#optimizer.step();
    this.steps++;
    return loss.item();
  }

  /** The loss and accuracy over all the points, recorded in the history. */
  measure(): { loss: number; accuracy: number } {
    const p = predict(this.model, this.x);
    const loss = (this.config.loss === 'bce' ? binaryCrossEntropy(p, this.y) : mse(p, this.y)).item();
    const result = { loss, accuracy: accuracy(p, this.y) };
    this.losses.push(result.loss);
    this.accuracies.push(result.accuracy);
    return result;
  }

  /** The model's probability of class 1 on a size × size grid over [-1.8, 1.8]², row by row from the top. */
  grid(size: number): Float64Array {
    const cells: number[][] = [];
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++)
        cells.push([-1.8 + (3.6 * (c + 0.5)) / size, 1.8 - (3.6 * (r + 0.5)) / size]);
    return Float64Array.from(predict(this.model, cells).data);
  }
}
