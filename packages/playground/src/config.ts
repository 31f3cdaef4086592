/**
 * What defines a training run (the data, the features, the network, the optimizer, the seed), and how
 * the page's address holds it.
 */
import { ACTIVATIONS, type ActivationName } from '@adjoint/nn';
import { DATASETS, type DatasetName, isRegression } from './datasets.js';

/** Everything that defines a training run; the URL holds it. */
export interface TrainConfig {
  readonly data: DatasetName;
  readonly noise: number;
  /** Units of each hidden layer; the output is one unit, sigmoid (classes) or linear (regression). */
  readonly layers: readonly number[];
  readonly activation: Exclude<ActivationName, 'softmax' | 'linear' | 'sigmoid'> | 'sigmoid';
  /** The loss; regression data always has mse. */
  readonly loss: 'bce' | 'mse';
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
  readonly batch: number;
  readonly seed: number;
  /** What the network is given of each point (x₁ and x₂ by default), as TensorFlow Playground offers. */
  readonly features: readonly FeatureName[];
  /** Where it trains: the CPU in float64, or the GPU through WebGPU in float32 (where the browser has it). */
  readonly device: 'cpu' | 'webgpu';
}

/** The features of a point (x₁, x₂) the network may be given, and how each is computed. */
export const FEATURES = {
  x1: { label: 'x₁', of: (a: number, _b: number) => a },
  x2: { label: 'x₂', of: (_a: number, b: number) => b },
  x1sq: { label: 'x₁²', of: (a: number, _b: number) => a * a },
  x2sq: { label: 'x₂²', of: (_a: number, b: number) => b * b },
  x1x2: { label: 'x₁x₂', of: (a: number, b: number) => a * b },
  sinx1: { label: 'sin x₁', of: (a: number, _b: number) => Math.sin(a) },
  sinx2: { label: 'sin x₂', of: (_a: number, b: number) => Math.sin(b) },
} as const;
/** A feature's name. */
export type FeatureName = keyof typeof FEATURES;
/** The features, in the order the panel lists them. */
export const FEATURE_NAMES = Object.keys(FEATURES) as FeatureName[];

/** Points as the network sees them: each the chosen features of (x₁, x₂). */
export function featurize(
  points: readonly (readonly number[])[],
  features: readonly FeatureName[],
): number[][] {
  return points.map(([a, b]) => features.map((f) => FEATURES[f].of(a!, b!)));
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
  features: ['x1', 'x2'],
  device: 'cpu',
};

/** The hidden-layer activations offered. */
export const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter(
  (a): a is TrainConfig['activation'] => a !== 'softmax' && a !== 'linear',
);

/** The configuration as URL search parameters (only what differs from the defaults). */
export function toParams(config: TrainConfig): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS) as (keyof TrainConfig)[]) {
    const list = key === 'layers' || key === 'features';
    const value = list ? (config[key] as readonly unknown[]).join(',') : String(config[key]);
    const fallback = list ? (DEFAULTS[key] as readonly unknown[]).join(',') : String(DEFAULTS[key]);
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
  const features = (params.get('features') ?? '').split(',').filter((s) => s !== '');
  const layers = (params.get('layers') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  const data = choice('data', DATASETS, DEFAULTS.data);
  return {
    data,
    noise: number('noise', DEFAULTS.noise, (v) => v >= 0 && v <= 1),
    layers:
      params.has('layers') &&
      layers.length <= 6 &&
      layers.every((u) => Number.isInteger(u) && u >= 1 && u <= 64)
        ? layers
        : DEFAULTS.layers,
    activation: choice('activation', HIDDEN_ACTIVATIONS, DEFAULTS.activation),
    loss: isRegression(data) ? 'mse' : choice('loss', ['bce', 'mse'] as const, DEFAULTS.loss),
    optimizer: choice('optimizer', ['adam', 'sgd'] as const, DEFAULTS.optimizer),
    lr: number('lr', DEFAULTS.lr, (v) => v > 0 && v <= 10),
    batch: number('batch', DEFAULTS.batch, (v) => Number.isInteger(v) && v >= 1 && v <= 200),
    seed: number('seed', DEFAULTS.seed, Number.isSafeInteger),
    features:
      features.length > 0 &&
      new Set(features).size === features.length &&
      features.every((f) => FEATURE_NAMES.includes(f as FeatureName))
        ? FEATURE_NAMES.filter((f) => features.includes(f))
        : DEFAULTS.features,
    device: choice('device', ['cpu', 'webgpu'] as const, DEFAULTS.device),
  };
}
