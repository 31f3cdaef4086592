import { Rng } from '@adjoint/autograd';

/** A 2-D classification set: points and their 0/1 labels. */
export interface Points {
  readonly x: number[][];
  readonly y: number[];
}

/** scikit-learn's make_moons: two interleaving half circles with Gaussian noise, labels 0 (upper) and 1. */
export function moons(n: number, noise: number, seed: number): Points {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  const upper = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const inner = i >= upper;
    const count = inner ? n - upper : upper;
    const t = (Math.PI * (inner ? i - upper : i)) / Math.max(count - 1, 1);
    const [px, py] = inner ? [1 - Math.cos(t), 0.5 - Math.sin(t)] : [Math.cos(t), Math.sin(t)];
    x.push([px + noise * rng.normal(), py + noise * rng.normal()]);
    y.push(inner ? 1 : 0);
  }
  return { x, y };
}

/** Two noisy concentric circles: label 1 inside (radius `factor`), 0 outside (radius 1). */
export function circles(n: number, noise: number, factor: number, seed: number): Points {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const inner = i % 2 === 1;
    const t = 2 * Math.PI * rng.uniform();
    const r = inner ? factor : 1;
    x.push([r * Math.cos(t) + noise * rng.normal(), r * Math.sin(t) + noise * rng.normal()]);
    y.push(inner ? 1 : 0);
  }
  return { x, y };
}

/** Indices 0 … n-1 in a seeded random order, split into the first `fraction` and the rest. */
export function split(n: number, fraction: number, seed: number): [number[], number[]] {
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const cut = Math.round(n * fraction);
  return [order.slice(0, cut), order.slice(cut)];
}
