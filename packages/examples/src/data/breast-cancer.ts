import { readFileSync } from 'node:fs';
import { Tensor } from '@adjoint/autograd';
import { split } from './synthetic';

/** The Breast Cancer Wisconsin set, split and standardized with the training set's statistics. */
export interface BreastCancer {
  readonly trainX: Tensor;
  readonly trainY: Tensor;
  readonly testX: Tensor;
  readonly testY: Tensor;
  readonly features: number;
  /** The names of labels 0 and 1. */
  readonly labels: readonly [string, string];
}

const FILE = new URL('../../data/breast_cancer.csv', import.meta.url);

/** Reads data/breast_cancer.csv (see data/README.md for its source), splits it 80/20 by `seed`. */
export function breastCancer(seed: number): BreastCancer {
  const [header, ...lines] = readFileSync(FILE, 'utf8').trim().split('\n');
  const [rows, features, label0, label1] = header!.split(',');
  const n = Number(rows);
  const d = Number(features);
  const table = lines.map((line, i) => {
    const cells = line.split(',').map(Number);
    if (cells.length !== d + 1 || cells.some((v) => !Number.isFinite(v)))
      throw new Error(`breast_cancer.csv: line ${i + 2} is not ${d + 1} numbers`);
    return cells;
  });
  if (table.length !== n)
    throw new Error(`breast_cancer.csv: the header says ${n} rows, the file has ${table.length}`);
  const [train, test] = split(n, 0.8, seed);
  const mean = Array.from(
    { length: d },
    (_, j) => train.reduce((s, i) => s + table[i]![j]!, 0) / train.length,
  );
  const std = mean.map(
    (m, j) => Math.sqrt(train.reduce((s, i) => s + (table[i]![j]! - m) ** 2, 0) / train.length) || 1,
  );
  const features01 = (rowsOf: number[]) =>
    new Tensor(
      Float64Array.from(rowsOf.flatMap((i) => table[i]!.slice(0, d).map((v, j) => (v - mean[j]!) / std[j]!))),
      [rowsOf.length, d],
    );
  const labels = (rowsOf: number[]) =>
    new Tensor(Float64Array.from(rowsOf.map((i) => table[i]![d]!)), [rowsOf.length, 1]);
  return {
    trainX: features01(train),
    trainY: labels(train),
    testX: features01(test),
    testY: labels(test),
    features: d,
    labels: [label0!, label1!],
  };
}
