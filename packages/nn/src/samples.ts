// The rows fit trains on: samples in memory checked and split, a streamed batch's rows, their weights,
// and the iterator steps the training generator takes (a promise to yield when the source is async).
import { concat, internal, noGrad, ShapeError, Tensor, tensor, type Value } from '@adjoint/autograd';
import { Dataset } from './dataset.js';
import type { Batch, FitOptions, Samples, TrainingYield } from './fit-options.js';
import type { Model } from './model.js';

const { checkArity, checkOptions, describe, formatShape } = internal;

/** A mini-batch ready to train on: Tensors, and its rows' weights (null: unweighted). */
export interface WeightedBatch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly weights: Tensor | null;
}

/** What to use instead of an option that is for samples in memory, when the data are a Dataset. */
export const STREAM_INSTEAD = {
  batchSize: 'batch the Dataset (dataset.batch(32))',
  shuffle: "shuffle the Dataset (dataset.shuffle(bufferSize, { seed })), or don't",
  seed: 'the Dataset shuffles from its own seed (dataset.shuffle(bufferSize, { seed }))',
  validationSplit: 'give validation data (samples or a Dataset) instead',
  sampleWeight: "let the Dataset's batches carry them: { x, y, sampleWeight }",
} as const;

/** The next item of an iterator that may be asynchronous: a promise is yielded for the driver to settle. */
export function* pull<T>(
  it: Iterator<T> | AsyncIterator<T>,
): Generator<TrainingYield, IteratorResult<T>, unknown> {
  const next = it.next();
  return (next instanceof Promise ? yield next : next) as IteratorResult<T>;
}

/**
 * A generator run to its end without pausing, its result returned: fit's run, an eager step's phases.
 * Synchronous only: what it yields are the pauses fitAsync would take, never promises to settle.
 */
export function drain<R>(run: Generator<unknown, R, unknown>): R {
  for (let next = run.next(); ; next = run.next()) if (next.done) return next.value;
}

/** Closes an iterator (a file or a fetch stays open otherwise), awaiting an asynchronous one's close. */
export function* close(
  it: Iterator<unknown> | AsyncIterator<unknown>,
): Generator<TrainingYield, void, unknown> {
  const done = it.return?.();
  if (done instanceof Promise) yield done;
}

export function isIterable(x: unknown): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    !('x' in x) &&
    (Symbol.iterator in x ||
      Symbol.asyncIterator in x ||
      typeof (x as { next?: unknown }).next === 'function')
  );
}

/** classWeight checked: weights finite and ≥ 0, keyed by class indices. */
export function checkClassWeight(op: string, weights: unknown): ReadonlyMap<number, number> {
  if (typeof weights !== 'object' || weights === null)
    throw new TypeError(
      `${op}: expected classWeight as an array or { [class]: weight }, got ${describe(weights)}`,
    );
  const out = new Map<number, number>();
  for (const [key, w] of Object.entries(weights)) {
    const k = Number(key);
    if (!Number.isSafeInteger(k) || k < 0)
      throw new TypeError(`${op}: classWeight key ${JSON.stringify(key)} is not a class index`);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new RangeError(`${op}: classWeight[${key}] must be a finite number ≥ 0, got ${describe(w)}`);
    out.set(k, w);
  }
  return out;
}

/** The rows' weights of `samples` (null: none), from sampleWeight and classWeight; `where` names them. */
export function weightsOf(
  op: string,
  samples: Samples & { readonly x: Tensor; readonly y: Tensor },
  sampleWeight: Tensor | readonly number[] | undefined,
  classWeight: ReadonlyMap<number, number> | null,
  where = 'data',
): Tensor | null {
  if (sampleWeight === undefined && classWeight === null) return null;
  const n = samples.x.shape[0]!;
  const weights = new Float64Array(n).fill(1);
  if (sampleWeight !== undefined) {
    const w =
      sampleWeight instanceof Tensor ? sampleWeight : Array.isArray(sampleWeight) ? sampleWeight : null;
    const length = w instanceof Tensor ? (w.ndim === 1 ? w.shape[0] : -1) : w?.length;
    if (w === null || length !== n)
      throw new ShapeError(
        `${op}: sampleWeight needs one number per sample of ${where} (${n}), got ${w instanceof Tensor ? `shape ${formatShape(w.shape)}` : Array.isArray(w) ? w.length : describe(sampleWeight)}`,
      );
    const values = w instanceof Tensor ? w.data : w;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new RangeError(`${op}: sampleWeight[${i}] must be a finite number ≥ 0, got ${describe(v)}`);
      weights[i] = v;
    }
  }
  if (classWeight !== null) {
    const y = samples.y;
    const width = y.size / n;
    for (let i = 0; i < n; i++) {
      let label: number;
      if (width === 1) label = y.data[i]!;
      else {
        label = 0;
        for (let k = 1; k < width; k++) if (y.data[i * width + k]! > y.data[i * width + label]!) label = k;
      }
      const w = classWeight.get(label);
      if (w === undefined)
        throw new RangeError(
          Number.isInteger(label) && label >= 0
            ? `${op}: classWeight has no weight for class ${label} (sample ${i} of ${where}); give one for every class`
            : `${op}: classWeight needs class labels, and the target of sample ${i} of ${where} is ${label}`,
        );
      weights[i]! *= w;
    }
  }
  return new Tensor(weights, [n]);
}

export type TensorSamples = { readonly x: Tensor; readonly y: Tensor };

/** The training rows and the validation rows: `validation`, or the last `validationSplit` of `data`. */
export function splitSamples(
  op: string,
  data: TensorSamples,
  options: FitOptions<never, never>,
): [TensorSamples, TensorSamples | null] {
  const { validation, validationSplit: split } = options;
  if (split === undefined)
    return [
      data,
      validation === undefined || validation instanceof Dataset
        ? null
        : asSamples(op, validation as Samples, 'validation'),
    ];
  if (validation !== undefined) throw new TypeError('fit: give validation or validationSplit, not both');
  if (typeof split !== 'number' || !(split > 0 && split < 1))
    throw new RangeError(`fit: expected validationSplit to be in (0, 1), got ${describe(split)}`);
  const n = data.x.shape[0]!;
  const at = Math.floor(n * (1 - split));
  if (at === 0) throw new RangeError(`fit: validationSplit ${split} of ${n} samples leaves no training rows`);
  // rows in a run: views of the data (fit never writes to it), not copies
  const view = (t: Tensor, from: number, to: number) => {
    const width = t.size / n;
    return new Tensor(t.data.subarray(from * width, to * width), [to - from, ...t.shape.slice(1)]);
  };
  const part = (from: number, to: number) => ({ x: view(data.x, from, to), y: view(data.y, from, to) });
  return [part(0, at), part(at, n)];
}

/** Checks samples and returns them as two Tensors with the same number of rows. */
export function asSamples(op: string, data: Samples | Batch, field: string): TensorSamples {
  if (typeof data !== 'object' || data === null)
    throw new TypeError(`${op}: expected ${field} to be { x, y }, got ${describe(data)}`);
  if (!field.includes('batch')) checkOptions(`${op} (${field})`, data, ['x', 'y']);
  const x = data.x instanceof Tensor ? data.x : asTensor(op, `${field}.x`, data.x);
  const y = data.y instanceof Tensor ? data.y : asTensor(op, `${field}.y`, data.y);
  if (x.ndim >= 1 && x.shape[0] === 0)
    throw new RangeError(`${op}: ${field} has no samples (${field}.x has shape ${formatShape(x.shape)})`);
  if (x.ndim < 1 || y.ndim < 1 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${op}: ${field}.x has shape ${formatShape(x.shape)} and ${field}.y ${formatShape(y.shape)}; they need the same number of rows`,
    );
  }
  return { x, y };
}

/** Nested numbers as a Tensor, with `tensor()`'s checks; the error names the field. */
export function asTensor(op: string, field: string, values: unknown): Tensor {
  try {
    return tensor(values as number[]);
  } catch (error) {
    throw new TypeError(`${op}: ${field}: ${(error as Error).message.replace(/^tensor: /, '')}`);
  }
}

/**
 * The model's outputs for the rows of `x` ([N, inputs], as a Tensor or nested numbers), computed without
 * recording and in evaluation mode (no dropout; the model's mode is restored after), as a Tensor
 * [N, outputs] on either engine: what to call to use a trained model. With `batchSize` (Keras's
 * `batch_size`), the rows go through the model that many at a time and the outputs are joined: the
 * same numbers for a model whose rows do not interact in evaluation mode (every layer of this package),
 * and a fraction of the memory (mnist-cnn's 2,000 test digits at once unfold 450 MB of columns).
 *
 * @example
 * {@includeCode ../doc-examples/predict.ts}
 */
export function predict(
  model: Model,
  x: Tensor | readonly (readonly number[])[],
  options: { readonly batchSize?: number } = {},
): Tensor {
  // biome-ignore lint/complexity/noArguments: a caller without types may pass an options object it means
  checkArity('predict', arguments, ['model', 'x', 'options']);
  checkOptions('predict', options, ['batchSize']);
  const { batchSize } = options;
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1))
    throw new RangeError(`predict: expected batchSize to be an integer ≥ 1, got ${describe(batchSize)}`);
  const inputs = x instanceof Tensor ? x : asTensor('predict', 'x', x).reshape([-1, (x[0] ?? []).length]);
  const rows = inputs.shape[0] ?? 0;
  const mode = model.training;
  // a model on a GPU predicts there (the rows go over, in its float32), and the outputs stay there
  const first = model.parameters()[0];
  const device = first instanceof Tensor ? first.device : 'cpu';
  model.eval();
  try {
    return noGrad(() => {
      const outputs = (part: Tensor) => {
        const out = model.forwardBatch(device === 'cpu' ? part : part.astype('float32').to(device));
        return out instanceof Tensor
          ? out
          : tensor((out as readonly (readonly Value[])[]).map((row) => row.map((v) => v.data)));
      };
      if (batchSize === undefined || batchSize >= rows) return outputs(inputs);
      const parts: Tensor[] = [];
      for (let start = 0; start < rows; start += batchSize)
        parts.push(outputs(inputs.slice(0, start, Math.min(rows, start + batchSize))));
      return concat(parts, 0);
    });
  } finally {
    model.train(mode);
  }
}

/**
 * The given rows of a tensor, copied (data, not graph).
 *
 * @example
 * {@includeCode ../doc-examples/take-rows.ts}
 */
export function takeRows(t: Tensor, rows: readonly number[]): Tensor {
  if (!(t instanceof Tensor) || t.ndim < 1)
    throw new TypeError(`takeRows: expected a Tensor of rank ≥ 1, got ${describe(t)}`);
  const count = t.shape[0]!;
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= count)
      throw new RangeError(`takeRows: row ${r} is out of range for a tensor of ${count} rows`);
  }
  const width = t.size / count;
  const out =
    t.data instanceof Float32Array
      ? new Float32Array(rows.length * width)
      : new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    out.set(t.data.subarray(r * width, (r + 1) * width), i * width);
  });
  return new Tensor(out, [rows.length, ...t.shape.slice(1)]);
}

/** @internal The first streamed batch's row shapes, which every later batch must have. */
export interface RowShapes {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * @internal One pass over a Dataset of batches, each checked (its row shapes against `shapes.first`, set
 * by the first batch) and weighted (its sampleWeight times `classWeight`, training data only); async
 * under fitAsync.
 */
export function streamBatches(
  op: string,
  dataset: Dataset<Batch>,
  epoch: number,
  field: 'data' | 'validation',
  classWeight: ReadonlyMap<number, number> | null,
  shapes: { first: RowShapes | null },
): Iterator<WeightedBatch> | AsyncIterator<WeightedBatch> {
  const source = op === 'fitAsync' ? dataset[Symbol.asyncIterator]() : dataset[Symbol.iterator]();
  let index = 0;
  const check = (next: IteratorResult<Batch>): IteratorResult<WeightedBatch> =>
    next.done
      ? next
      : { done: false, value: checkBatch(op, next.value, epoch, index++, field, classWeight, shapes) };
  return {
    next: () => {
      const next = source.next();
      return next instanceof Promise ? next.then(check) : check(next);
    },
    return: () => source.return?.() ?? { done: true, value: undefined },
  } as Iterator<WeightedBatch> | AsyncIterator<WeightedBatch>;
}

/** A streamed batch as Tensors, its shapes checked against the first batch's, with its rows' weights. */
function checkBatch(
  op: string,
  batch: Batch,
  epoch: number,
  index: number,
  field: 'data' | 'validation',
  classWeight: ReadonlyMap<number, number> | null,
  shapes: { first: RowShapes | null },
): WeightedBatch {
  const where = `${op}: ${field === 'data' ? '' : 'validation '}batch ${index} of epoch ${epoch}`;
  if (typeof batch !== 'object' || batch === null || batch instanceof Tensor || Array.isArray(batch))
    throw new TypeError(`${where} is ${describe(batch)}, not { x, y } (batch samples with Dataset.batch)`);
  checkOptions(where, batch, ['x', 'y', 'sampleWeight']);
  const { x, y } = asSamples(op, batch, `${field} batch ${index}`);
  shapes.first ??= { x: x.shape.slice(1), y: y.shape.slice(1) };
  for (const [name, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    const trailing = t.shape.slice(1);
    const first = shapes.first[name];
    if (trailing.length !== first.length || trailing.some((d, i) => d !== first[i]))
      throw new ShapeError(
        `${where}: ${name} has shape ${formatShape(t.shape)}, and the first batch's rows are ${formatShape(first)}; every batch's rows need one shape (this batch did not train)`,
      );
  }
  const weights =
    field === 'data'
      ? weightsOf(op, { x, y }, batch.sampleWeight, classWeight, `${field} batch ${index}`)
      : batch.sampleWeight === undefined
        ? null
        : weightsOf(op, { x, y }, batch.sampleWeight, null, `${field} batch ${index}`);
  return { x, y, weights };
}
