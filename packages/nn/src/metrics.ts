import { internal, ShapeError, Tensor, Value } from '@adjoint/autograd';
import type { Prediction, Target } from './losses.js';

const { checkOptions, describe, formatShape } = internal;

/** Options of `accuracy`. */
export interface AccuracyOptions {
  /** For one output per sample: the cut between class 0 and 1. Default 0.5 (probabilities); use 0 for logits. */
  readonly threshold?: number;
}

/**
 * The fraction of samples classified right. With C > 1 outputs per sample the class is the arg max;
 * with one output it is `output ≥ threshold`. Labels are class indices (or 0/1), or one-hot rows.
 */
export function accuracy(
  prediction: Prediction,
  labels: Target | Int32Array,
  options: AccuracyOptions = {},
): number {
  checkOptions('accuracy', options, ['threshold']);
  const { threshold = 0.5 } = options;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new RangeError(`accuracy: expected threshold to be a finite number, got ${describe(threshold)}`);
  }
  const predicted = predictedClasses(prediction, threshold);
  const truth = trueClasses(labels, predicted.length);
  let right = 0;
  predicted.forEach((c, i) => {
    if (c === truth[i]) right++;
  });
  return right / predicted.length;
}

/** The predicted class of each sample. */
export function predictedClasses(prediction: Prediction, threshold = 0.5): number[] {
  const rows = asRows(prediction);
  return rows.map((row) => (row.length === 1 ? (row[0]! >= threshold ? 1 : 0) : argmax(row)));
}

/** counts[t][p]: how many samples of true class t were predicted as p. */
export function confusionMatrix(
  predicted: readonly number[],
  truth: readonly number[],
  classes: number,
): number[][] {
  if (predicted.length !== truth.length)
    throw new ShapeError(`confusionMatrix: ${predicted.length} predictions but ${truth.length} labels`);
  if (!Number.isSafeInteger(classes) || classes < 1) {
    throw new RangeError(
      `confusionMatrix: expected classes to be a positive integer, got ${describe(classes)}`,
    );
  }
  const check = (what: string, list: readonly number[]) =>
    list.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= classes) {
        throw new RangeError(
          `confusionMatrix: ${what} ${c} (sample ${i}) is not a class index in [0, ${classes})`,
        );
      }
    });
  check('prediction', predicted);
  check('label', truth);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  predicted.forEach((p, i) => {
    counts[truth[i]!]![p]!++;
  });
  return counts;
}

function trueClasses(labels: Target | Int32Array, n: number): number[] {
  const rows = labels instanceof Tensor && labels.ndim === 2 && labels.shape[1]! > 1 ? asRows(labels) : null;
  const list =
    rows !== null
      ? rows.map(argmax)
      : Array.from(labels instanceof Tensor ? labels.data : (labels as ArrayLike<number>)).map(Number);
  const flat =
    Array.isArray(labels) && Array.isArray(labels[0])
      ? (labels as number[][]).map((r) => (r.length === 1 ? r[0]! : argmax(r)))
      : list;
  if (flat.length !== n) throw new ShapeError(`accuracy: ${n} predictions but ${flat.length} labels`);
  return flat;
}

function asRows(prediction: Prediction): number[][] {
  if (prediction instanceof Tensor) {
    if (prediction.ndim === 1) return Array.from(prediction.data, (v) => [v]);
    if (prediction.ndim !== 2)
      throw new ShapeError(
        `accuracy: expected predictions [N] or [N, C], got shape ${formatShape(prediction.shape)}`,
      );
    const c = prediction.shape[1]!;
    return Array.from({ length: prediction.shape[0]! }, (_, i) =>
      Array.from(prediction.data.subarray(i * c, (i + 1) * c)),
    );
  }
  if (Array.isArray(prediction)) {
    return prediction.map((row: Value | readonly Value[]) =>
      row instanceof Value ? [row.data] : row.map((v) => v.data),
    );
  }
  throw new TypeError(`accuracy: expected a Tensor or an array of Values, got ${describe(prediction)}`);
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}
