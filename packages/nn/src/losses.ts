import { type Elementwise, internal, ShapeError, Tensor, tensor, Value } from '@adjoint/autograd';

const { checkOptions, describe, formatShape, oneHotFor } = internal;

/** Values shaped [N] or [N, C]: a prediction of the scalar engine. */
export type ValuePrediction = readonly Value[] | readonly (readonly Value[])[];

/** A prediction on either engine: a Tensor, or Values shaped [N] or [N, C] as nested arrays. */
export type Prediction = Tensor | ValuePrediction;
/** Targets: a Tensor or nested numbers, shaped like the prediction. */
export type Target = Tensor | readonly number[] | readonly (readonly number[])[];

/**
 * Per-sample weights, as Keras's `sample_weight`: one number ≥ 0 per sample (row) of the prediction, each
 * multiplying that sample's terms before the reduction. The mean still divides by the number of terms (not
 * by the weights' sum): weights of 1 give the unweighted loss bit for bit. `fit` passes them from its
 * `sampleWeight` and `classWeight` options.
 */
export interface Weighted {
  readonly sampleWeight?: Tensor | readonly number[];
}

/** How `mse` reduces: the mean (default), the sum, or half the mean (the 1/(2m) of [note 000](../../../docs/derivations.md)). */
export interface MseOptions extends Weighted {
  readonly reduction?: 'mean' | 'sum' | 'halfMean';
}

/** How the log-losses reduce their terms: the mean (default) or the sum, as PyTorch's `reduction`. */
export interface LogLossOptions extends Weighted {
  readonly reduction?: 'mean' | 'sum';
}

/** A per-element loss term, written once for Values and Tensors. */
type Term = <N extends Elementwise<N>>(prediction: N, target: N | number) => N;

/** log(max(p, ε)) with ε = e⁻¹⁰⁰: PyTorch's BCELoss clamps the log at -100, so p = 0 or 1 stays finite. */
const EPSILON = Math.exp(-100);

/** 1 - y for a target that is a node (Tensor engine) or a number (scalar engine). */
function oneMinus<N extends Elementwise<N>>(y: N | number): N | number {
  return typeof y === 'number' ? 1 - y : y.neg().add(1);
}

// (p - y)²
const squaredError: Term = (p, y) => p.sub(y).pow(2);

// -[y log p + (1 - y) log(1 - p)]: note 002's log-loss, on probabilities
const logLoss: Term = (p, y) =>
  p
    .maximum(EPSILON)
    .log()
    .mul(y)
    .add(p.neg().add(1).maximum(EPSILON).log().mul(oneMinus(y)))
    .neg();

// y log(1 + e⁻ᶻ) + (1 - y) log(1 + eᶻ): note 004's softplus form, exact and finite for any logit z
const logitLoss: Term = (z, y) =>
  z
    .neg()
    .softplus()
    .mul(y)
    .add(z.softplus().mul(oneMinus(y)));

/** What a loss gives for a prediction: a rank-0 Tensor for a Tensor, a Value for Values. */
export type LossOf<P> = P extends Tensor ? Tensor : Value;

/** The mean squared error; `halfMean` gives [note 000](../../../docs/derivations.md)'s C = 1/(2m) Σ (y_pred - y)². */
export function mse(prediction: Tensor, target: Target, options?: MseOptions): Tensor;
export function mse(prediction: ValuePrediction, target: Target, options?: MseOptions): Value;
export function mse(prediction: Prediction, target: Target, options?: MseOptions): Tensor | Value;
export function mse(prediction: Prediction, target: Target, options: MseOptions = {}): Tensor | Value {
  checkOptions('mse', options, ['reduction', 'sampleWeight']);
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'halfMean'].includes(reduction)) {
    throw new RangeError(`mse: expected reduction 'mean', 'sum' or 'halfMean', got ${describe(reduction)}`);
  }
  const total = reduceTerms(
    'mse',
    prediction,
    target,
    squaredError,
    reduction === 'sum' ? 'sum' : 'mean',
    options.sampleWeight,
  );
  return reduction === 'halfMean' ? total.mul(0.5) : total;
}

/**
 * The log-loss of probabilities `prediction` against labels in [0, 1], averaged ([note 002](../../../docs/derivations.md)'s J), or summed
 * with `{ reduction: 'sum' }`.
 */
export function binaryCrossEntropy(prediction: Tensor, target: Target, options?: LogLossOptions): Tensor;
export function binaryCrossEntropy(
  prediction: ValuePrediction,
  target: Target,
  options?: LogLossOptions,
): Value;
export function binaryCrossEntropy(
  prediction: Prediction,
  target: Target,
  options?: LogLossOptions,
): Tensor | Value;
export function binaryCrossEntropy(
  prediction: Prediction,
  target: Target,
  options: LogLossOptions = {},
): Tensor | Value {
  const reduction = logLossReduction('binaryCrossEntropy', options);
  return reduceTerms('binaryCrossEntropy', prediction, target, logLoss, reduction, options.sampleWeight);
}

/** The log-loss of logits (before the sigmoid), averaged, in [note 004](../../../docs/derivations.md)'s stable softplus form. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Target,
  options?: LogLossOptions,
): Tensor;
export function binaryCrossEntropyWithLogits(
  logits: ValuePrediction,
  target: Target,
  options?: LogLossOptions,
): Value;
export function binaryCrossEntropyWithLogits(
  logits: Prediction,
  target: Target,
  options?: LogLossOptions,
): Tensor | Value;
export function binaryCrossEntropyWithLogits(
  logits: Prediction,
  target: Target,
  options: LogLossOptions = {},
): Tensor | Value {
  const reduction = logLossReduction('binaryCrossEntropyWithLogits', options);
  return reduceTerms(
    'binaryCrossEntropyWithLogits',
    logits,
    target,
    logitLoss,
    reduction,
    options.sampleWeight,
  );
}

/** The reduction asked of a log-loss, checked: a misspelt key or value is named, never ignored. */
function logLossReduction(op: string, options: LogLossOptions): 'mean' | 'sum' {
  checkOptions(op, options, ['reduction', 'sampleWeight']);
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum')
    throw new RangeError(`${op}: expected reduction 'mean' or 'sum', got ${describe(reduction)}`);
  return reduction;
}

/**
 * Cross-entropy of logits [N, C] against class indices (`number[]`, `Int32Array` or a [N] Tensor) or
 * one-hot (or probability) targets [N, C], averaged over the N samples: -1/N Σᵢ wᵢ Σₖ tᵢₖ log softmax(zᵢ)ₖ,
 * with class indices as one-hot rows and wᵢ = 1 unless `sampleWeight` gives them (the N still divides, as
 * Keras; PyTorch's class-weighted CrossEntropyLoss divides by Σ wᵢ instead: take `reduction: 'sum'` and
 * divide). Uses logSoftmax, so logits of any size are safe.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Target | Int32Array,
  options?: LogLossOptions,
): Tensor;
export function softmaxCrossEntropy(
  logits: ValuePrediction,
  labels: Target | Int32Array,
  options?: LogLossOptions,
): Value;
export function softmaxCrossEntropy(
  logits: Prediction,
  labels: Target | Int32Array,
  options?: LogLossOptions,
): Tensor | Value;
export function softmaxCrossEntropy(
  logits: Prediction,
  labels: Target | Int32Array,
  options: LogLossOptions = {},
): Tensor | Value {
  const op = 'softmaxCrossEntropy';
  const reduction = logLossReduction(op, options);
  const [n, c, logp] = logSoftmaxRows(op, logits);
  const oneHot =
    (labels instanceof Tensor && labels.ndim === 2) || (Array.isArray(labels) && Array.isArray(labels[0]))
      ? (labels as Target)
      : oneHotTargets(op, labels, n, c);
  const total = reduceTerms(op, logp, oneHot, (lp, t) => lp.mul(t), 'sum', options.sampleWeight);
  return (reduction === 'sum' ? total : total.div(n)).neg();
}

/** log softmax of each row of logits [N, C] on either engine, with N and C. */
function logSoftmaxRows(op: string, logits: Prediction): [number, number, Prediction] {
  if (logits instanceof Tensor) {
    if (logits.ndim !== 2)
      throw new ShapeError(`${op}: expected logits [N, C], got shape ${formatShape(logits.shape)}`);
    return [logits.shape[0]!, logits.shape[1]!, logits.logSoftmax(1)];
  }
  const rows = logits as readonly (readonly Value[])[];
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((v) => v instanceof Value))) {
    throw new TypeError(
      `${op}: expected logits as a Tensor [N, C] or an array of rows of Values, got ${describe(logits)}`,
    );
  }
  const c = rows[0]?.length ?? 0;
  const logp = rows.map((row, i) => {
    if (row.length !== c)
      throw new ShapeError(`${op}: row ${i} of the logits has ${row.length} classes, row 0 has ${c}`);
    // log Σ exp, shifted by the row's maximum (a constant), as Tensor.logSoftmax computes it
    const shift = Math.max(...row.map((v) => v.data));
    const logSum = Value.sum(row.map((v) => v.sub(shift).exp()))
      .log()
      .add(shift);
    return row.map((v) => v.sub(logSum));
  });
  return [rows.length, c, logp];
}

/**
 * Class indices as one-hot rows [N, C] (float64). A [N] tensor's labels are checked by the kernel that
 * makes the rows, so inside `compile`, where they are the call's and unknown to the trace, the program
 * checks them at every call; the error names the loss either way.
 */
function oneHotTargets(op: string, labels: unknown, n: number, c: number): Tensor {
  if (labels instanceof Tensor && labels.ndim === 1) {
    if (labels.shape[0] !== n)
      throw new ShapeError(`${op}: ${n} samples of logits but ${labels.shape[0]} labels`);
    return oneHotFor(labels, c, op);
  }
  return tensor(
    classIndices(op, labels, n, c).map((label) => Array.from({ length: c }, (_, k) => (k === label ? 1 : 0))),
  );
}

function classIndices(op: string, labels: unknown, n: number, c: number): number[] {
  const list =
    labels instanceof Tensor
      ? labels.ndim === 1
        ? Array.from(labels.data)
        : null
      : Array.isArray(labels) || labels instanceof Int32Array
        ? Array.from(labels as ArrayLike<number>)
        : null;
  if (list === null)
    throw new TypeError(
      `${op}: expected labels as class indices [N] or one-hot targets [N, C], got ${describe(labels)}`,
    );
  if (list.length !== n) throw new ShapeError(`${op}: ${n} samples of logits but ${list.length} labels`);
  list.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= c) {
      throw new RangeError(`${op}: label ${label} of sample ${i} is not a class index in [0, ${c})`);
    }
  });
  return list;
}

/**
 * Applies `term` elementwise to matching prediction and target, each sample's terms times its weight when
 * `weights` are given, then takes the mean or the sum.
 */
function reduceTerms(
  op: string,
  prediction: Prediction,
  target: Target,
  term: Term,
  reduce: 'mean' | 'sum',
  weights?: Tensor | readonly number[],
): Tensor | Value {
  if (prediction instanceof Tensor) {
    const y = target instanceof Tensor ? target : targetTensor(op, target);
    sameShape(op, prediction.shape, y.shape);
    // the target is data: it takes the prediction's dtype rather than promoting the loss, and its device
    let terms = term(prediction, like(y, prediction));
    if (weights !== undefined) {
      const w = weightTensor(op, weights, prediction.shape);
      terms = terms.mul(like(w, prediction).reshape([w.size, ...prediction.shape.slice(1).map(() => 1)]));
    }
    return reduce === 'sum' ? terms.sum() : terms.mean();
  }
  const [values, valueShape] = flatValues(op, prediction);
  const [numbers, numberShape] = flatNumbers(op, target);
  sameShape(op, valueShape, numberShape);
  if (values.length === 0) throw new ShapeError(`${op}: the prediction is empty`);
  const w = weights === undefined ? null : weightTensor(op, weights, valueShape).data;
  const width = values.length / valueShape[0]!;
  const total = Value.sum(
    values.map((p, i) =>
      w === null ? term(p, numbers[i]!) : term(p, numbers[i]!).mul(w[Math.floor(i / width)]!),
    ),
  );
  return reduce === 'sum' ? total : total.div(values.length);
}

/** Data (targets, weights) in the prediction's dtype, and on its device (a GPU's: class labels are made
 * into one-hot rows on the CPU, where they are checked, and moved). */
function like(data: Tensor, prediction: Tensor): Tensor {
  const typed = data.astype(prediction.dtype);
  return typed.device === prediction.device ? typed : typed.to(prediction.device);
}

/** Per-sample weights as a [N] Tensor for a prediction of `shape`; numbers are checked (finite, ≥ 0). */
function weightTensor(op: string, weights: Tensor | readonly number[], shape: readonly number[]): Tensor {
  let w: Tensor;
  if (weights instanceof Tensor) w = weights;
  else {
    if (!Array.isArray(weights))
      throw new TypeError(
        `${op}: expected sampleWeight as a [N] Tensor or numbers, got ${describe(weights)}`,
      );
    weights.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new RangeError(`${op}: sampleWeight[${i}] must be a finite number ≥ 0, got ${describe(v)}`);
    });
    w = tensor(weights as number[]);
  }
  if (w.ndim !== 1 || shape.length < 1 || w.shape[0] !== shape[0])
    throw new ShapeError(
      `${op}: sampleWeight has shape ${formatShape(w.shape)}; a prediction of shape ${formatShape(shape)} takes one weight per sample, [${shape[0] ?? 0}]`,
    );
  return w;
}

function flatValues(op: string, x: Prediction): [Value[], number[]] {
  if (Array.isArray(x) && x.every((v) => v instanceof Value)) return [x as Value[], [x.length]];
  if (Array.isArray(x) && x.every((r) => Array.isArray(r) && r.every((v: unknown) => v instanceof Value))) {
    const rows = x as readonly (readonly Value[])[];
    const width = rows[0]?.length ?? 0;
    rows.forEach((r, i) => {
      if (r.length !== width)
        throw new ShapeError(`${op}: row ${i} of the prediction has length ${r.length}, row 0 has ${width}`);
    });
    return [rows.flat(), [rows.length, width]];
  }
  throw new TypeError(
    `${op}: expected the prediction as a Tensor or an array of Values (or of rows of Values), got ${describe(x)}`,
  );
}

function flatNumbers(op: string, y: Target): [number[], number[]] {
  const t = y instanceof Tensor ? y : targetTensor(op, y);
  return [Array.from(t.data), [...t.shape]];
}

/** Nested numbers as a Tensor; `tensor()` checks them (finite, not ragged), and its error names the loss. */
function targetTensor(op: string, y: unknown): Tensor {
  try {
    return tensor(y as number[]);
  } catch (error) {
    throw new TypeError(`${op}: the target: ${(error as Error).message.replace(/^tensor: /, '')}`);
  }
}

function sameShape(op: string, a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(
      `${op}: prediction shape ${formatShape(a)} and target shape ${formatShape(b)} differ`,
    );
  }
}
