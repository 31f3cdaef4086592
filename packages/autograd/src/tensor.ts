import { isAnomalyEnabled, watchForward } from './anomaly.js';
import { type BackwardOptions, backward, backwardArgs, isGradEnabled, type NodeRule } from './graph.js';
import {
  allocateFresh,
  arrayOf,
  broadcastShapes,
  checkDType,
  type DType,
  dtypeOf,
  ENGINE_ARRAY,
  type NestedArray,
  type Storage,
  sizeOf,
  toNested,
} from './ndarray.js';
import { BINARY, COMPARISON, COPY, LEAKY_RELU, UNARY, WHERE } from './ops/elementwise.js';
import { formatTensor, INSPECT, type TensorJSON, tensorJSON } from './print.js';
import { defineMethods, type Elementwise, LEAKY_SLOPE, leakyReluRule } from './rules/elementwise.js';
import { layoutRules } from './rules/layout.js';
import { product } from './rules/matmul.js';
import type { Primitive, TensorRule } from './rules/rule.js';
import {
  bind,
  created,
  type Device,
  deviceNamed,
  deviceOf,
  isConcrete,
  read,
  sideEffect,
  transfer,
} from './run.js';
import { describe, formatShape, ShapeError } from './shape.js';
import { TensorMethods } from './tensor-methods.js';
import { bindRule, boundElementwise, elementwise, inDTypes } from './tensor-rules.js';
import { checkSameKind, checkSeed } from './validate.js';

/** A Tensor, or a number standing for a rank-0 constant. */
export type TensorLike = Tensor | number;

export type { Axes } from './tensor-methods.js';

/** @internal A tensor's array as the engine reads it (never a TraceError). */
export const storageOf = (x: Tensor): Storage => x[ENGINE_ARRAY];

/**
 * An n-d array node of the computation graph: row-major contiguous `data` with a `shape`, float64
 * (Float64Array) by default or float32 (Float32Array). Ops broadcast like NumPy, promote mixed dtypes
 * to float64, record themselves when an input requires grad, and `backward()` fills in `grad` on the
 * leaves that require it, in each leaf's dtype.
 * @example
 * {@includeCode ../doc-examples/tensor.ts}
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: defineMethods (below) installs what the interface adds
export class Tensor extends TensorMethods<Tensor> implements Elementwise<Tensor> {
  #data: Storage;
  readonly shape: readonly number[];
  label: string;
  /** The op's inputs: the graph, walked backward by `backward()`. */
  readonly parents: readonly Tensor[];
  /** @internal How the op that made this node differentiates; null for a leaf. */
  readonly rule: NodeRule<Tensor> | null;
  /** @internal The accumulated adjoint, read as `grad`. */
  adjoint: Tensor | null = null;
  /** @internal Set by `retainGrad()`. */
  retainsGrad = false;
  /** @internal Scratch for the topological sort (graph.ts); not part of the API. */
  sortIndex = 0;
  #requiresGrad: boolean;

  /** Wraps `data` (not copied) as an array of `shape`; its type is the dtype. Prefer `tensor()`, which validates its input. */
  constructor(data: Storage, shape: readonly number[]);
  /** @internal The ops pass `origin`, the rule and inputs of a recorded node; creation passes a label. */
  constructor(data: Storage, shape: readonly number[], origin: Origin | undefined, label?: string);
  constructor(data: Storage, shape: readonly number[], origin?: Origin, label = '') {
    super();
    this.#data = data;
    this.shape = Object.freeze([...shape]);
    this.label = label;
    this.rule = origin?.rule ?? null;
    this.parents = origin?.parents ?? NO_PARENTS;
    this.#requiresGrad = origin !== undefined;
  }

  /** The elements, row-major, shared with views; inside `compile`, reading traced or closed-over ones throws. */
  get data(): Storage {
    return read(this, this.#data, 'reading .data');
  }
  /** @internal The array as the engine reads it (ndarray.ts's arrayOf): never refused, never logged. */
  get [ENGINE_ARRAY](): Storage {
    return this.#data;
  }
  /** @internal Input `k` of the op that made this tensor; null past the last. */
  inputAt(k: number): Tensor | null {
    return k < this.parents.length ? this.parents[k]! : null;
  }
  /** The op that made this node ('' for a leaf), as `toDot` shows it. */
  get op(): string {
    return this.rule === null ? '' : this.rule.name;
  }
  /** Whether gradients flow to this tensor; may be set on leaves only. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (this.rule !== null)
      throw new Error(`requiresGrad: can only be set on a leaf; this tensor comes from ${this.op}`);
    this.#requiresGrad = value;
  }

  /** 'float64' (Float64Array data) or 'float32' (Float32Array data). */
  get dtype(): DType {
    return dtypeOf(this.#data);
  }

  /** The number of elements (the product of the shape). */
  get size(): number {
    return sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }

  /** ∂(output)/∂(this) after `backward()`, shaped like this tensor; null before. */
  get grad(): Tensor | null {
    return this.adjoint;
  }

  set grad(g: Tensor | null) {
    if (g !== null) checkSameKind('grad', g, this);
    this.adjoint = g;
  }

  // add, mul, div, pow, maximum, minimum, the one-input ops and the comparisons are installed from the op
  // tables below the class; Elementwise (rules/elementwise.ts) documents each.
  /** this - other, elementwise (a composite: this + (-other)). */
  sub(other: TensorLike): Tensor {
    return this.add(asTensor(other, 'sub', this.dtype).neg());
  }
  /** x for x ≥ 0, `slope`·x below (default `LEAKY_SLOPE`, 0.01); derivative 1 at 0. */
  leakyRelu(slope = LEAKY_SLOPE): Tensor {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) {
      throw new RangeError(`leakyRelu: expected slope to be a finite number, got ${describe(slope)}`);
    }
    const inputs = [this];
    const { data } = bind('leakyRelu', LEAKY_RELU, inputs, slope);
    return recordTensor(data, this.shape, inputs, elementwise('leakyRelu', leakyReluRule, slope));
  }

  /** `this` where `cond` is nonzero, `other` elsewhere (broadcasting all three); the gradient goes to the branch taken. */
  where(cond: TensorLike, other: TensorLike): Tensor {
    const c = asTensor(cond, 'where', this.dtype);
    const b = asTensor(other, 'where', this.dtype);
    const shape = broadcastShapes('where', broadcastShapes('where', this.shape, c.shape), b.shape);
    const inputs = [this, c, b];
    return recordTensor(bind('where', WHERE, inputs, shape).data, shape, inputs, WHERE_RULE);
  }

  /**
   * The elements as `dtype` ('float32' rounds each to nearest); this tensor itself when it has that
   * dtype already. Differentiable: the gradient is cast back.
   */
  astype(dtype: DType): Tensor {
    const target = checkDType('astype', dtype);
    return target === this.dtype ? this : this.applyRule('astype', layoutRules.astype, target);
  }

  /** The matrix product over the last two axes; leading (batch) axes broadcast: [..., m, k] @ [..., k, n]. */
  matmul(other: Tensor): Tensor {
    if (!(other instanceof Tensor)) throw new TypeError(`matmul: expected a Tensor, got ${describe(other)}`);
    return product(this, other, 'nn');
  }

  /** @internal Records `rule` on this tensor (and `others`) with `attrs`: how methods and vjps apply a primitive. */
  applyRule<A>(name: string, rule: TensorRule<A>, attrs: A, others: readonly Tensor[] = NO_PARENTS): Tensor {
    const inputs = others.length === 0 ? [this] : [this, ...others];
    const out = bind(name, rule, inputs, attrs);
    return recordTensor(out.data, out.shape, inputs, bindRule(name, rule, attrs));
  }

  // Values out.
  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    return read(this, this.#data, 'item()')[0]!;
  }
  /** The elements as nested arrays (a number for rank 0). */
  toArray(): NestedArray {
    return toNested({ data: read(this, this.#data, 'toArray()'), shape: this.shape });
  }
  /** What `JSON.stringify` writes: flat elements, shape, dtype, grad and label where set; never the graph. */
  toJSON(): TensorJSON {
    const grad = this.adjoint === null ? null : read(this.adjoint, storageOf(this.adjoint), 'toJSON()');
    return tensorJSON(this, read(this, this.#data, 'toJSON()'), grad);
  }
  /** A leaf that shares this tensor's data and records nothing. */
  detach(): Tensor {
    return new Tensor(this.#data, this.shape, undefined, this.label);
  }
  /** @internal A constant copy that shares no memory with this node (what a leaf's gradient stores). */
  snapshot(): Tensor {
    return new Tensor(bind('copy', COPY, [this], undefined).data, this.shape);
  }
  /** Where the values live: 'cpu', or the device they were put on ('webgpu'; see `to`). */
  get device(): string {
    return deviceOf(this.#data)?.name ?? 'cpu';
  }
  /**
   * This tensor on `device`: a new leaf holding a copy of the values (gradients do not cross devices),
   * that requires grad where this leaf does; this tensor itself where it is there already. Reading a
   * device back is asynchronous, so `to('cpu')` gives a promise.
   */
  to(device: 'cpu'): Promise<Tensor>;
  to(device: string): Tensor;
  to(device: string): Tensor | Promise<Tensor> {
    const [target, here] = [deviceNamed('to', device), deviceOf(this.#data)];
    if (target === null) {
      if (here === null) return Promise.resolve(this);
      if (!isConcrete(this.#data))
        throw new Error(
          `to('cpu'): the tensor (shape ${formatShape(this.shape)}) is on ${here.name}, whose values are read ` +
            'asynchronously, which a compiled program cannot wait for; return it and move it outside',
        );
      return here.download(this.#data).then((d) => this.#moved(d));
    }
    // through the seam: inside compile, each call of the program moves its own values
    return target === here ? this : this.#moved(transfer(this, this.#data, target, "to('webgpu')"));
  }
  /** A new leaf of this one's shape and label holding `data` (on another device). */
  #moved(data: Storage): Tensor {
    const t = new Tensor(data, this.shape, undefined, this.label);
    t.requiresGrad = this.rule === null && this.requiresGrad;
    return t;
  }
  /** The elements (as `.data` gives them), read asynchronously: how the values of a device are read. */
  async dataAsync(): Promise<Storage> {
    const device = deviceOf(this.#data);
    return device === null ? read(this, this.#data, 'dataAsync()') : device.download(this.#data);
  }
  /** The elements as nested arrays (as `toArray()` gives them), read asynchronously (from a device too). */
  async toArrayAsync(): Promise<NestedArray> {
    return toNested({ data: await this.dataAsync(), shape: this.shape });
  }
  /**
   * @internal Puts `source`'s values into this leaf's array, in place (an optimizer's step), or with
   * `move` makes `source` this leaf's array (a model moved to a device, as PyTorch's `param.data = …`).
   */
  static overwrite(target: Tensor, source: Tensor, move = false): void {
    if (
      target.rule !== null ||
      formatShape(target.shape) !== formatShape(source.shape) ||
      target.dtype !== source.dtype
    )
      throw new Error(`overwrite: expected a leaf and a tensor of its shape and dtype`);
    if (move) target.#data = source.#data;
    else if (deviceOf(target.#data) !== deviceOf(source.#data))
      throw new Error(`overwrite: the tensors are on ${target.device} and ${source.device}`);
    else if (deviceOf(target.#data) === null) target.#data.set(source.#data);
    else deviceOf(target.#data)!.overwrite(target.#data, source.#data);
  }
  /** @internal Whether every element is finite (what anomaly mode checks). */
  allFinite(): boolean {
    for (const v of this.#data) if (!Number.isFinite(v)) return false;
    return true;
  }

  /**
   * Backpropagates from this tensor. A one-element output is seeded with 1; any other needs `seed`, a
   * tensor of its shape, and then computes the vector-Jacobian product seedᵀ·J.
   */
  backward(seed?: TensorLike | BackwardOptions, options: BackwardOptions = {}): void {
    const [given, createGraph] = backwardArgs(seed, options, (x) => x instanceof Tensor);
    checkSeed(this, given);
    const g =
      given instanceof Tensor
        ? given
        : filled(this.shape, arrayOf(asTensor(given ?? 1, 'backward'))[0]!, this.dtype, deviceOf(this.#data));
    backward(this, g, createGraph);
  }

  /** Forgets this tensor's accumulated gradient. */
  zeroGrad(): void {
    // inside compile, every call forgets the gradient here
    sideEffect(() => {
      this.adjoint = null;
    });
  }
  /** Asks a non-leaf to keep its adjoint after `backward()`, like a leaf. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }
  /** `Tensor([[1, 2], [3, 4]], dtype=float64, requiresGrad=true)`, summarized past 1,000 elements, as PyTorch prints. */
  override toString(): string {
    const device = deviceOf(this.#data);
    return formatTensor(
      this,
      device !== null ? `on ${device.name}` : isConcrete(this.#data) ? null : 'traced',
    );
  }
  /** @internal How Node.js's util.inspect (and so console.log) prints a Tensor. */
  [INSPECT](): string {
    return this.toString();
  }
}

/** @internal A constant tensor of `shape` filled with `value`. */
export function filled(
  shape: readonly number[],
  value: number,
  dtype: DType = 'float64',
  on: Device | null = null,
): Tensor {
  const data = allocateFresh(dtype, sizeOf(shape)).fill(value);
  created(data);
  return new Tensor(on === null ? data : on.upload(data, 'backward'), shape);
}

/** @internal A constant of `shape` filled with `value`, of `like`'s dtype and on its device. */
export function filledLike(like: Tensor, shape: readonly number[], value: number): Tensor {
  return filled(shape, value, like.dtype, deviceOf(storageOf(like)));
}

/** @internal The operand as a Tensor: a number is a rank-0 constant of the other's dtype (never promotes it). */
export function asTensor(x: unknown, op: string, dtype: DType = 'float64'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${op}: expected a Tensor or a finite number, got ${describe(x)}`);
  }
  return filled([], x, dtype);
}

/** How a recorded tensor came to be: the rule of its op, and its inputs. */
interface Origin {
  readonly rule: NodeRule<Tensor>;
  readonly parents: readonly Tensor[];
}

const NO_PARENTS: readonly Tensor[] = Object.freeze([]);

/**
 * @internal The node for an op's result: recorded with its inputs when any of them needs a gradient. When an
 * input's dtype differs from the result's (a float32 input promoted to float64), its gradient is cast
 * back to its dtype, so every adjoint has its node's dtype.
 */
export function recordTensor(
  data: Storage,
  shape: readonly number[],
  parents: readonly Tensor[],
  rule: NodeRule<Tensor>,
): Tensor {
  const recorded = isGradEnabled() && parents.some((p) => p.requiresGrad);
  const dtype = dtypeOf(data);
  const node = recorded
    ? new Tensor(data, shape, {
        rule: parents.every((p) => p.dtype === dtype) ? rule : inDTypes(rule),
        parents,
      })
    : new Tensor(data, shape);
  return isAnomalyEnabled() ? watchForward(node, rule.name) : node;
}

const { unary: UNARY_RULES, binary: BINARY_RULES, where: WHERE_RULE } = boundElementwise<Tensor>();

// The elementwise methods, declared once for both engines in Elementwise and installed by defineMethods.
export interface Tensor extends Elementwise<Tensor> {}

// One method per entry of the elementwise tables, so that an op added to rules/elementwise.ts is a Tensor
// method with no edit here. Each closes over its primitive and rule: no lookup by name per call.
defineMethods(Tensor, UNARY, (name, primitive) => {
  const rule = UNARY_RULES[name];
  return function (this: Tensor) {
    const inputs = [this];
    return recordTensor(bind(name, primitive, inputs, undefined).data, this.shape, inputs, rule);
  };
});
defineMethods(Tensor, BINARY, (name, primitive) => zipMethod(name, primitive, BINARY_RULES[name]));
defineMethods(Tensor, COMPARISON, (name, primitive) => zipMethod(name, primitive, null));

/** A two-input method over the broadcast shape; without a rule (the comparisons) it records nothing. */
function zipMethod(name: string, primitive: Primitive<readonly number[]>, rule: NodeRule<Tensor> | null) {
  return function (this: Tensor, other: TensorLike) {
    const b = asTensor(other, name, this.dtype);
    const shape = broadcastShapes(name, this.shape, b.shape);
    const inputs = [this, b];
    const { data } = bind(name, primitive, inputs, shape);
    return rule === null ? new Tensor(data, shape) : recordTensor(data, shape, inputs, rule);
  };
}
