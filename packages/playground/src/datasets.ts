/**
 * The training panel's data sets, drawn from a seeded Rng, so a configuration (and its URL) gives the
 * same points every time: two classes of points in the plane, or (regression) a number at each point.
 */
import { Rng } from '@adjoint/autograd';

/** The data sets of two classes. */
export const CLASSIFICATION = ['moons', 'circles', 'xor', 'spiral', 'blobs'] as const;
/** The data sets of a number at each point, in [-1, 1] (TensorFlow Playground's two). */
export const REGRESSION = ['plane', 'gaussians'] as const;
/** The data sets the panel offers. */
export const DATASETS = [...CLASSIFICATION, ...REGRESSION] as const;
/** A data set's name. */
export type DatasetName = (typeof DATASETS)[number];

/** Whether the data set asks for a number at each point rather than a class. */
export function isRegression(name: DatasetName): name is (typeof REGRESSION)[number] {
  return (REGRESSION as readonly string[]).includes(name);
}

/** Points [x, y] in about [-1.5, 1.5]², and their targets: a class (0 or 1), or a number in [-1, 1]. */
export interface Points {
  readonly x: number[][];
  readonly y: number[];
}

/** The bumps of `gaussians`: centre and sign, three up and three down. */
const BUMPS = [
  [-0.9, 0.9, 1],
  [0, 0.9, -1],
  [0.9, 0.9, 1],
  [-0.9, -0.9, -1],
  [0, -0.9, 1],
  [0.9, -0.9, -1],
] as const;

/**
 * The regression targets at (a, b), before noise: `plane` a tilted plane (a + b) / 3; `gaussians` the
 * signed bump nearest in height, each exp(-r² / 0.18) (TensorFlow Playground's "multi Gaussian").
 */
export function target(name: (typeof REGRESSION)[number], a: number, b: number): number {
  if (name === 'plane') return (a + b) / 3;
  let best = 0;
  for (const [cx, cy, sign] of BUMPS) {
    const v = sign * Math.exp(-((a - cx) ** 2 + (b - cy) ** 2) / 0.18);
    if (Math.abs(v) > Math.abs(best)) best = v;
  }
  return best;
}

/** `count` points of the data set `name`, with Gaussian noise of deviation `noise`, from `seed`. */
export function dataset(name: DatasetName, count: number, noise: number, seed: number): Points {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  const add = (px: number, py: number, label: number) => {
    x.push([px + noise * rng.normal(), py + noise * rng.normal()]);
    y.push(label);
  };
  if (isRegression(name)) {
    // points uniform over the square; the noise moves the target (clamped to [-1, 1]), not the point
    for (let i = 0; i < count; i++) {
      const [a, b] = [3 * rng.uniform() - 1.5, 3 * rng.uniform() - 1.5];
      x.push([a, b]);
      y.push(Math.max(-1, Math.min(1, target(name, a, b) + noise * rng.normal())));
    }
    return { x, y };
  }
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const t = rng.uniform();
    switch (name) {
      case 'moons': {
        // scikit-learn's make_moons, centred and scaled to about [-1.5, 1.5]
        const angle = Math.PI * t;
        if (label === 0) add(Math.cos(angle) - 0.5, Math.sin(angle) - 0.25, label);
        else add(0.5 - Math.cos(angle), 0.25 - Math.sin(angle), label);
        break;
      }
      case 'circles': {
        const angle = 2 * Math.PI * t;
        const radius = label === 0 ? 1.2 : 0.5;
        add(radius * Math.cos(angle), radius * Math.sin(angle), label);
        break;
      }
      case 'xor': {
        const [px, py] = [2.4 * rng.uniform() - 1.2, 2.4 * rng.uniform() - 1.2];
        x.push([px, py]);
        y.push(px * py > 0 ? 0 : 1);
        break;
      }
      case 'spiral': {
        // two interleaved arms of 1.75 turns, points evenly along each (TensorFlow Playground's spiral)
        const along = Math.floor(i / 2) / (count / 2);
        const angle = 1.75 * 2 * Math.PI * along + label * Math.PI;
        add(1.5 * along * Math.sin(angle), 1.5 * along * Math.cos(angle), label);
        break;
      }
      case 'blobs': {
        const [cx, cy] = label === 0 ? [-0.7, -0.5] : [0.7, 0.5];
        add(cx + 0.35 * rng.normal(), cy + 0.35 * rng.normal(), label);
        break;
      }
    }
  }
  return { x, y };
}
