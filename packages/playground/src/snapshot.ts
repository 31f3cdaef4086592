/**
 * What the page draws of a run, as the training worker posts it: the snapshot's shape, the grids it is
 * drawn on, and the score of a regression.
 */
import type { TrainConfig } from './config.js';

/** Cells per side of the grid over which the boundary (the model's output) is drawn. */
export const OUTPUT_CELLS = 50;
/** Cells per side of each neuron's map in the network view. */
export const MAP_CELLS = 24;

/** A neuron's bars summed over a mini-batch: of its output h and of its pre-activation z. */
export interface NeuronBar {
  readonly h: number;
  readonly z: number;
}
/** Every neuron's bars on a mini-batch of `samples` rows, by layer (the first hidden one first) and unit. */
export interface NeuronBars {
  readonly samples: number;
  readonly layers: readonly (readonly NeuronBar[])[];
}

/**
 * What the page draws of a run, at a moment: made by the worker that trains it and posted to the page
 * (plain data: numbers, arrays and Float64Arrays, which structured cloning copies).
 */
export interface Snapshot {
  readonly config: TrainConfig;
  readonly regression: boolean;
  readonly points: { readonly x: readonly (readonly number[])[]; readonly y: readonly number[] };
  readonly steps: number;
  readonly epochs: number;
  readonly losses: readonly number[];
  readonly scores: readonly number[];
  readonly measuredAt: readonly number[];
  /** The output on the OUTPUT_CELLS² grid, row by row from the top. */
  readonly grid: Float64Array;
  /** Each neuron's map on the MAP_CELLS² grid, by layer (hidden ones, then the output) and unit. */
  readonly maps: Float64Array[][];
  readonly bars: NeuronBars | null;
  /** weights[l][unit][input] into each layer, and biases[l][unit]. */
  readonly weights: number[][][];
  readonly biases: number[][];
}

/** R² of predictions `p` for targets `y`: 1 − Σ(y − p)² / Σ(y − ȳ)² (1 is perfect; 0 is the mean's). */
export function rSquared(p: ArrayLike<number>, y: readonly number[]): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let residual = 0;
  let total = 0;
  y.forEach((v, i) => {
    residual += (v - p[i]!) ** 2;
    total += (v - mean) ** 2;
  });
  return 1 - residual / total;
}

/** The centres of a size × size grid over [-1.8, 1.8]², row by row from the top. */
export function gridCells(size: number): number[][] {
  const cells: number[][] = [];
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++)
      cells.push([-1.8 + (3.6 * (c + 0.5)) / size, 1.8 - (3.6 * (r + 0.5)) / size]);
  return cells;
}
