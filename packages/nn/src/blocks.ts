import {
  type DType,
  eye,
  internal,
  layerNorm,
  linear,
  ShapeError,
  scaledDotProductAttention,
  sideEffect,
  Tensor,
  tensor,
} from '@adjoint/autograd';
import { Linear } from './layers.js';
import { Module } from './module.js';
import { type BlockOptions, generator, make, positive } from './parameters.js';

const { checkOptions, describe, formatShape, oneHotFor } = internal;

// The blocks of sequence models, each a Module with PyTorch's name, semantics, initialisation and
// state_dict names, written with the engine's ops (their gradients come from those ops' rules).

/**
 * A lookup table of `count` vectors of `dim` numbers (PyTorch's nn.Embedding): `forward(indices)` takes
 * integers in [0, count) of any shape and gives their rows, shape [...indices, dim]. Its gradient adds,
 * row by row, what each use of an index receives. The weight starts N(0, 1), as PyTorch's.
 */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly count: number,
    readonly dim: number,
    options: BlockOptions = {},
  ) {
    super();
    checkOptions('Embedding', options, ['rng', 'seed', 'dtype']);
    positive('Embedding', 'count', count);
    positive('Embedding', 'dim', dim);
    const rng = generator('Embedding', options);
    this.weight = make([count, dim], () => rng.normal(), true, options.dtype);
  }

  /**
   * The rows of `indices`, integers in [0, count) of any shape. Nested arrays are constants: their rows
   * are gathered (under `compile`, part of the program). A Tensor of indices is data: its one-hot rows
   * times the table, which `compile` replays with each call's indices (and checks them each call); its
   * rows come out exact, and the table's gradient is the one-hot rows' transpose times ȳ, the same
   * sums as gather's scatter-add in the product's order. It costs a product with `count` columns, so
   * for a table of many thousand rows eager code should pass arrays.
   */
  forward(indices: Tensor | number[] | number[][]): Tensor {
    if (indices instanceof Tensor) {
      const n = indices.size;
      const rows = oneHotFor(indices.reshape([n]), this.count, 'Embedding').astype(this.weight.dtype);
      return rows.matmul(this.weight).reshape([...indices.shape, this.dim]);
    }
    const idx = tensor(indices);
    const flat = idx.data;
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.count)
        throw new RangeError(`Embedding: index ${v} (at ${i}) is not an integer in [0, ${this.count})`);
    }
    const [n, d] = [flat.length, this.dim];
    const rows = new Float64Array(n * d);
    for (let i = 0; i < n; i++) rows.fill(flat[i]!, i * d, (i + 1) * d);
    return this.weight.gather(new Tensor(rows, [n, d]), 0).reshape([...idx.shape, d]);
  }

  /** `Embedding(27, 10)`. */
  override toString(): string {
    return `Embedding(${this.count}, ${this.dim})`;
  }
}

/**
 * Layer normalisation over the last axes (PyTorch's nn.LayerNorm): each sample's values over
 * `shape` are centred and divided by √(variance + eps), the variance the biased one (divided by n), then
 * scaled by `weight` (ones) and shifted by `bias` (zeros).
 */
export class LayerNorm extends Module {
  readonly shape: readonly number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    shape: number | readonly number[],
    options: { readonly eps?: number; readonly elementwiseAffine?: boolean; readonly dtype?: DType } = {},
  ) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'dtype']);
    const dims = typeof shape === 'number' ? [shape] : [...shape];
    if (dims.length === 0) throw new RangeError('LayerNorm: expected at least one axis to normalise over');
    for (const d of dims) positive('LayerNorm', 'each size of shape', d);
    const { eps = 1e-5, elementwiseAffine = true, dtype } = options;
    if (typeof eps !== 'number' || !(eps >= 0))
      throw new RangeError(`LayerNorm: expected eps ≥ 0, got ${describe(eps)}`);
    this.shape = dims;
    this.eps = eps;
    this.weight = elementwiseAffine ? make(dims, 1, true, dtype) : null;
    this.bias = elementwiseAffine ? make(dims, 0, true, dtype) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.shape.length;
    if (!(x instanceof Tensor) || x.ndim < k || this.shape.some((d, i) => x.shape[x.ndim - k + i] !== d))
      throw new ShapeError(
        `LayerNorm: expected input [..., ${this.shape.join(', ')}], got ${x instanceof Tensor ? formatShape(x.shape) : describe(x)}`,
      );
    return this.weight === null
      ? layerNorm(x, this.shape, { eps: this.eps })
      : layerNorm(x, this.shape, { weight: this.weight, bias: this.bias!, eps: this.eps });
  }

  /** `LayerNorm([64], eps=1e-5)`. */
  override toString(): string {
    return `LayerNorm([${this.shape.join(', ')}], eps=${this.eps})`;
  }
}

/**
 * The Gaussian error linear unit, PyTorch's nn.GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (exact, the default),
 * or with `{ approximate: 'tanh' }` the tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) of GPT-2
 * (the two differ by less than 1e-3).
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { readonly approximate?: 'none' | 'tanh' } = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    const { approximate = 'none' } = options;
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new TypeError(`GELU: expected approximate to be 'none' or 'tanh', got ${describe(approximate)}`);
    this.approximate = approximate;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`GELU: expected a Tensor, got ${describe(x)}`);
    if (this.approximate === 'none') return x.mul(x.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(inner.tanh().add(1)).mul(0.5);
  }

  /** `GELU(approximate='none')`. */
  override toString(): string {
    return `GELU(approximate='${this.approximate}')`;
  }
}

/**
 * Batch normalisation over the batch (PyTorch's nn.BatchNorm1d), for input [N, C] or [N, C, L]: in
 * training mode each feature is normalised by the batch's mean and biased variance, and the running
 * statistics move by `momentum` toward the batch's (the variance there the unbiased one, as PyTorch's);
 * in evaluation mode the running statistics normalise. Then scaled by `weight` (ones), shifted by `bias`
 * (zeros). The running mean and variance are buffers (`running_mean`, `running_var`), saved with it, and
 * so is `num_batches_tracked`, the count of training batches PyTorch keeps beside them (a float64 scalar
 * here), so a state_dict moves between the two by name.
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly running_mean: Tensor;
  readonly running_var: Tensor;
  readonly num_batches_tracked: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly features: number,
    options: { readonly eps?: number; readonly momentum?: number; readonly dtype?: DType } = {},
  ) {
    super();
    checkOptions('BatchNorm1d', options, ['eps', 'momentum', 'dtype']);
    positive('BatchNorm1d', 'features', features);
    const { eps = 1e-5, momentum = 0.1, dtype } = options;
    if (typeof eps !== 'number' || !(eps >= 0))
      throw new RangeError(`BatchNorm1d: expected eps ≥ 0, got ${describe(eps)}`);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
      throw new RangeError(`BatchNorm1d: expected momentum in [0, 1], got ${describe(momentum)}`);
    this.eps = eps;
    this.momentum = momentum;
    this.weight = make([features], 1, true, dtype);
    this.bias = make([features], 0, true, dtype);
    this.running_mean = make([features], 0, false, dtype);
    this.running_var = make([features], 1, false, dtype);
    this.num_batches_tracked = make([], 0, false, 'float64');
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.features)
      throw new ShapeError(
        `BatchNorm1d: expected input [N, ${this.features}] or [N, ${this.features}, L], got ${x instanceof Tensor ? formatShape(x.shape) : describe(x)}`,
      );
    // every axis but the features'; the per-feature tensors broadcast as [C] or [C, 1]
    const axes = x.ndim === 2 ? [0] : [0, 2];
    const perFeature = x.ndim === 2 ? [this.features] : [this.features, 1];
    const count = x.size / this.features;
    let mean: Tensor;
    let variance: Tensor;
    if (this.training) {
      if (count < 2)
        throw new ShapeError(
          `BatchNorm1d: training needs more than one value per feature, got input ${formatShape(x.shape)}`,
        );
      mean = x.mean(axes, true);
      const centred = x.sub(mean);
      variance = centred.mul(centred).mean(axes, true);
      // the running statistics: not part of the graph; an effect, so a compiled step updates them at
      // every call, from that call's batch
      const [batchMean, batchVariance] = [mean, variance];
      sideEffect(() => {
        const [m, v] = [batchMean.data, batchVariance.data];
        const [rm, rv] = [this.running_mean.data, this.running_var.data];
        for (let c = 0; c < this.features; c++) {
          rm[c] = (1 - this.momentum) * rm[c]! + this.momentum * m[c]!;
          rv[c] = (1 - this.momentum) * rv[c]! + (this.momentum * v[c]! * count) / (count - 1);
        }
        this.num_batches_tracked.data[0]! += 1;
      }, [batchMean, batchVariance, this.running_mean, this.running_var, this.num_batches_tracked]);
    } else {
      mean = this.running_mean.reshape(perFeature);
      variance = this.running_var.reshape(perFeature);
    }
    const normalised = x.sub(mean).div(variance.add(this.eps).sqrt());
    return normalised.mul(this.weight.reshape(perFeature)).add(this.bias.reshape(perFeature));
  }

  /** `BatchNorm1d(64, eps=1e-5, momentum=0.1)`. */
  override toString(): string {
    return `BatchNorm1d(${this.features}, eps=${this.eps}, momentum=${this.momentum})`;
  }
}

/**
 * Multi-head self-attention (PyTorch's nn.MultiheadAttention on one input, batch first): for x
 * [B, T, dim], `qkv` (weight [3·dim, dim], as PyTorch's in_proj_weight) makes the queries, keys and
 * values, each head attends with softmax(q·kᵀ / √(dim/heads)) (scaledDotProductAttention; with
 * `causal`, position t only to positions ≤ t), and `proj` mixes the heads' outputs. The two linear maps
 * start as PyTorch's Linear.
 */
export class MultiHeadAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly causal: boolean;

  constructor(
    readonly dim: number,
    readonly heads: number,
    options: BlockOptions & { readonly causal?: boolean } = {},
  ) {
    super();
    checkOptions('MultiHeadAttention', options, ['rng', 'seed', 'dtype', 'causal']);
    positive('MultiHeadAttention', 'dim', dim);
    positive('MultiHeadAttention', 'heads', heads);
    if (dim % heads !== 0)
      throw new RangeError(`MultiHeadAttention: dim ${dim} is not a multiple of heads ${heads}`);
    const rng = generator('MultiHeadAttention', options);
    // PyTorch's Linear initialisation, both drawn from this block's generator
    const own: BlockOptions = options.dtype === undefined ? { rng } : { rng, dtype: options.dtype };
    this.qkv = new Linear(dim, 3 * dim, own);
    this.proj = new Linear(dim, dim, own);
    this.causal = options.causal ?? false;
  }

  forward(x: Tensor): Tensor {
    const [b, t] = this.#check(x);
    const [q, k, v] = [0, 1, 2].map((i) => this.#project(x, i));
    const mixed = scaledDotProductAttention(q!, k!, v!, { causal: this.causal });
    return this.proj.forward(mixed.transpose([0, 2, 1, 3]).reshape([b, t, this.dim]));
  }

  /**
   * The attention weights of each head for input x [B, T, dim]: [B, H, T, T], row t the weights that
   * position t gives every position (each row sums to 1; with `causal`, 0 after t). What `forward`
   * mixes the values with (PyTorch's `need_weights`, per head).
   */
  attentionWeights(x: Tensor): Tensor {
    const [, t] = this.#check(x);
    // softmax(q·kᵀ/√d) times the identity: the weights themselves, by the same op as forward's
    return scaledDotProductAttention(
      this.#project(x, 0),
      this.#project(x, 1),
      eye(t, t, { dtype: x.dtype }),
      {
        causal: this.causal,
      },
    );
  }

  /** [B, T] of an input [B, T, dim]; a ShapeError for any other. */
  #check(x: Tensor): [number, number] {
    if (!(x instanceof Tensor) || x.ndim !== 3 || x.shape[2] !== this.dim)
      throw new ShapeError(
        `MultiHeadAttention: expected input [B, T, ${this.dim}], got ${x instanceof Tensor ? formatShape(x.shape) : describe(x)}`,
      );
    return [x.shape[0]!, x.shape[1]!];
  }

  /**
   * The queries (i = 0), keys (1) or values (2) split into heads [B, H, T, d]: a product with rows of
   * qkv's weight. One product and a slice of its output would copy the activations three times more,
   * forward and back, where this slices the weight.
   */
  #project(x: Tensor, i: number): Tensor {
    const [b, t] = [x.shape[0]!, x.shape[1]!];
    const [h, dim] = [this.heads, this.dim];
    const { weight, bias } = this.qkv;
    return linear(x, weight.slice(0, i * dim, (i + 1) * dim), bias.slice(0, i * dim, (i + 1) * dim))
      .reshape([b, t, h, dim / h])
      .transpose([0, 2, 1, 3]);
  }

  /** `MultiHeadAttention(64, heads=4, causal)`. */
  override toString(): string {
    return `MultiHeadAttention(${this.dim}, heads=${this.heads}${this.causal ? ', causal' : ''})`;
  }
}
