import { isAnomalyEnabled, watchForward } from './anomaly.js';
import { type BackwardOptions, backward, backwardArgs, isGradEnabled } from './graph.js';
import { backwardNumeric } from './numeric.js';
import { formatValue, INSPECT } from './print.js';
import {
  type BinaryName,
  binaryRules,
  comparisons,
  defineMethods,
  type Elementwise,
  LEAKY_SLOPE,
  leakyReluRule,
  unaryRules,
  whereRule,
} from './rules/elementwise.js';
import { boundScalar, type ScalarRule } from './scalar-rules.js';
import { describe } from './shape.js';

const SCALAR: readonly number[] = Object.freeze([]);
const REQUIRES_GRAD = 1;
const RETAINS_GRAD = 2;
const NO_PARENTS: readonly Value[] = Object.freeze([]);

/**
 * A scalar node of the computation graph: micrograd's `Value`. Every op takes a `Value` or a number,
 * records itself, and `backward()` fills in `grad`, the adjoint ∂(output)/∂(this), on every node it
 * reaches (the output's is the seed, 1), as micrograd does and the notes' bars need. A Tensor keeps its
 * adjoint on leaves only, as PyTorch (see `Tensor.retainGrad`).
 *
 * @example
 * {@includeCode ../doc-examples/value.ts}
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the unary methods are installed from the table (below)
export class Value implements Elementwise<Value> {
  /** The number this node holds. Optimizers write it in place. */
  data: number;
  /** The name `toDot` and errors show; '' (from the prototype, so that an unnamed node has no field for it). */
  declare label: string;
  /**
   * @internal The op's inputs, stored inline so that a node is one object: `a` and `b` for an op of one
   * or two inputs, `inputs` (and `a`, `b` null) for more. `parents` is the public view.
   */
  readonly a: Value | null;
  /** @internal The second input of a binary op (see `a`); a number operand is kept as the number. */
  readonly b: Value | number | null;
  /** @internal Every input of an op of three or more (see `a`). */
  readonly inputs: readonly Value[] | null;
  /**
   * The accumulated adjoint: a node when `backward({ createGraph: true })` made it (differentiable again);
   * after the number path, the array of that pass's adjoints, shared by its nodes, with this node's at
   * `#at` (so a graph keeps every bar with no allocation per node); a number once two passes have added.
   */
  #adjoint: Value | Float64Array | number | null = null;
  #at = 0;
  /** @internal requiresGrad (bit 0) and retainsGrad (bit 1) in one field: a node is kept small. */
  flags: number;
  /** @internal Scratch for the topological sort (graph.ts); not part of the API. */
  sortIndex = 0;
  /** @internal The op that made this node (shared by all its nodes); null for leaves and constants. */
  readonly rule: ScalarRule<Value> | null;

  /** A leaf that requires grad: `data` must be a finite number; `label` names it in `toDot` and errors. */
  constructor(data: number, label?: string);
  /**
   * @internal How the ops make their nodes, with their rule and inputs; numbers enter as constants
   * (`requiresGrad` false). A node is kept small, as graphs of a million of them are made: fields shared
   * by every node of an op live in its rule, and one or two inputs are fields, not an array.
   */
  constructor(
    data: number,
    label: string,
    rule: ScalarRule<Value> | null,
    a: Value | null,
    b: Value | number | null,
    inputs: readonly Value[] | null,
    requiresGrad: boolean,
  );
  constructor(
    data: number,
    label = '',
    rule: ScalarRule<Value> | null = null,
    a: Value | null = null,
    b: Value | number | null = null,
    inputs: readonly Value[] | null = null,
    requiresGrad = true,
  ) {
    if (rule === null && requiresGrad) {
      if (typeof data !== 'number' || !Number.isFinite(data))
        throw new TypeError(`Value: expected data to be a finite number, got ${describe(data)}`);
      if (typeof label !== 'string')
        throw new TypeError(`Value: expected label to be a string, got ${describe(label)}`);
    }
    this.data = data;
    if (label !== '') this.label = label;
    this.a = a;
    this.b = b;
    this.inputs = inputs;
    // every node that gradients reach keeps its bar after backward(), as micrograd's do
    this.flags = requiresGrad ? REQUIRES_GRAD | RETAINS_GRAD : 0;
    this.rule = rule;
  }

  /** Whether gradients flow to this node: true for a leaf made with `new Value` and for an op's result. */
  get requiresGrad(): boolean {
    return (this.flags & REQUIRES_GRAD) !== 0;
  }

  /** @internal Set by `retainGrad()`: a non-leaf that keeps its adjoint after `backward()`, like a leaf. */
  get retainsGrad(): boolean {
    return (this.flags & RETAINS_GRAD) !== 0;
  }

  set retainsGrad(retains: boolean) {
    this.flags = retains ? this.flags | RETAINS_GRAD : this.flags & ~RETAINS_GRAD;
  }

  /** The op's inputs, the graph `backward()` walks: empty for a leaf or a constant. */
  get parents(): readonly Value[] {
    if (this.inputs !== null) return this.inputs;
    if (this.a === null) return NO_PARENTS;
    if (this.b === null) return [this.a];
    return [this.a, typeof this.b === 'number' ? constant(this.b) : this.b]; // a number operand, as a node
  }

  /** @internal Input `k` of the op, read from the fields: a number operand as the number, null past the last. */
  inputAt(k: number): Value | number | null {
    const inputs = this.inputs;
    if (inputs !== null) return k < inputs.length ? inputs[k]! : null;
    return k === 0 ? this.a : k === 1 ? this.b : null;
  }

  /** The op that made this node ('' for a leaf), as `toDot` shows it. */
  get op(): string {
    return this.rule === null ? '' : this.rule.name;
  }

  /** A rank-0 shape: a `Value` is a scalar. */
  get shape(): readonly number[] {
    return SCALAR;
  }

  /** ∂(output)/∂(this) after `backward()`, 0 before. */
  get grad(): number {
    const a = this.#adjoint;
    return a === null ? 0 : a instanceof Float64Array ? a[this.#at]! : typeof a === 'number' ? a : a.data;
  }

  set grad(g: number) {
    this.#adjoint = g === 0 ? null : finite(g, 'grad');
  }

  /** The accumulated adjoint as a node (a constant for one the number path added), null before `backward()`. */
  get adjoint(): Value | null {
    const a = this.#adjoint;
    return a === null || a instanceof Value ? a : constant(this.grad);
  }

  set adjoint(a: Value | null) {
    this.#adjoint = a;
  }

  /** @internal Adds `bars[i]`, the adjoint the number path computed for this node, into its own. */
  accumulate(bars: Float64Array, i: number): void {
    if (this.#adjoint === null) {
      this.#adjoint = bars;
      this.#at = i;
    } else this.#adjoint = this.grad + bars[i]!;
  }

  /** The sum of many values as one node, cheaper than a chain of `add`s: Σ xᵢ. */
  static sum(values: readonly (Value | number)[]): Value {
    if (!Array.isArray(values)) throw new TypeError(`Value.sum: expected an array, got ${describe(values)}`);
    // Σ xᵢ in index order, as naryRules.sum.forward adds them, without spreading the numbers into a call
    const inputs = new Array<Value>(values.length);
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      inputs[i] = v instanceof Value ? v : toValue(v, `Value.sum (element ${i})`);
      total += inputs[i]!.data;
    }
    return recordValue(total, inputs, SUM);
  }

  /** this + other, elementwise. */
  add(other: Value | number): Value {
    return binary('add', this, other);
  }
  /** this - other, elementwise (a composite: this + (-other)). */
  sub(other: Value | number): Value {
    return this.add(other instanceof Value ? other.neg() : -finite(other, 'sub'));
  }
  /** this · other, elementwise. */
  mul(other: Value | number): Value {
    return binary('mul', this, other);
  }
  /** this / other, elementwise. */
  div(other: Value | number): Value {
    return binary('div', this, other);
  }
  /** this raised to the power other, elementwise. */
  pow(other: Value | number): Value {
    return binary('pow', this, other);
  }
  /** The larger of this and other, elementwise; a tie splits the gradient evenly. */
  maximum(other: Value | number): Value {
    return binary('maximum', this, other);
  }
  /** The smaller of this and other, elementwise; a tie splits the gradient evenly. */
  minimum(other: Value | number): Value {
    return binary('minimum', this, other);
  }
  /** x for x ≥ 0, `slope`·x below (default `LEAKY_SLOPE`, 0.01); derivative 1 at 0. */
  leakyRelu(slope = LEAKY_SLOPE): Value {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) {
      throw new RangeError(`leakyRelu: expected slope to be a finite number, got ${describe(slope)}`);
    }
    return unaryNode(leakyReluRule.forward(this.data, slope), this, leakyReluBound(slope));
  }

  /** 1 where this > other, else 0: a constant, not differentiable. */
  gt(other: Value | number): Value {
    return constant(comparisons.gt.forward(this.data, toValue(other, 'gt').data));
  }
  /** 1 where this ≥ other, else 0: a constant, not differentiable. */
  ge(other: Value | number): Value {
    return constant(comparisons.ge.forward(this.data, toValue(other, 'ge').data));
  }
  /** 1 where this < other, else 0: a constant, not differentiable. */
  lt(other: Value | number): Value {
    return constant(comparisons.lt.forward(this.data, toValue(other, 'lt').data));
  }
  /** 1 where this ≤ other, else 0: a constant, not differentiable. */
  le(other: Value | number): Value {
    return constant(comparisons.le.forward(this.data, toValue(other, 'le').data));
  }
  /** 1 where this = other, else 0: a constant, not differentiable. */
  eq(other: Value | number): Value {
    return constant(comparisons.eq.forward(this.data, toValue(other, 'eq').data));
  }

  /** `this` where `cond` is nonzero, else `other`; the gradient goes to the branch taken only. */
  where(cond: Value | number, other: Value | number): Value {
    const c = toValue(cond, 'where');
    const b = toValue(other, 'where');
    return recordValue(whereRule.forward(this.data, c.data, b.data), [this, c, b], WHERE);
  }

  /**
   * Backpropagates from this node, seeding its adjoint with `seed` (default 1), and adds each leaf's
   * gradient into its `grad`. Leaves accumulate across calls until `zeroGrad()`.
   */
  backward(seed?: number | Value | BackwardOptions, options: BackwardOptions = {}): void {
    const [given, createGraph] = backwardArgs(seed, options, (x) => x instanceof Value);
    const g = toValue(given ?? 1, 'backward');
    if (
      !createGraph &&
      this.requiresGrad &&
      !isAnomalyEnabled() &&
      backwardNumeric<Value>(this, g.data, commit)
    )
      return;
    backward(this, g, createGraph);
  }

  /** Forgets this node's accumulated gradient. */
  zeroGrad(): void {
    this.#adjoint = null;
  }

  /** Tensor's `retainGrad()`, for code written for both engines: every Value keeps its adjoint already. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** @internal A constant copy that shares no memory with this node (what a leaf's gradient stores). */
  snapshot(): Value {
    return constant(this.data);
  }

  /** @internal Whether every element is finite (what anomaly mode checks). */
  allFinite(): boolean {
    return Number.isFinite(this.data);
  }

  /** What `JSON.stringify` writes: data, the gradient where there is one, the label where set; never the graph. */
  toJSON(): { data: number; grad?: number; label?: string } {
    return {
      data: this.data,
      ...(this.#adjoint === null ? {} : { grad: this.grad }),
      ...(this.label === '' ? {} : { label: this.label }),
    };
  }

  /** `Value(data=3, grad=0.5, op=mul, label='x')`: what `console.log` and `String` show. */
  toString(): string {
    return formatValue(this);
  }

  /** @internal How Node.js's util.inspect (and so console.log) prints a Value. */
  [INSPECT](): string {
    return this.toString();
  }
}

Object.defineProperty(Value.prototype, 'label', { value: '', writable: true });

/** A number as a `Value` that needs no gradient: how numeric operands enter the graph. */
function constant(data: number): Value {
  return new Value(data, '', null, null, null, null, false);
}

/** @internal The operand `x` as a Value; numbers must be finite. `op` names the caller in the error. */
export function toValue(x: Value | number, op: string): Value {
  return x instanceof Value ? x : constant(finite(x, op));
}

/** `x`, which must be a finite number where a Value or a number is expected. */
function finite(x: unknown, op: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${op}: expected a Value or a finite number, got ${describe(x)}`);
  }
  return x;
}

/** Adds a gradient the numeric sweep computed into a node's adjoint. */
function commit(node: Value, bars: Float64Array, i: number): void {
  node.accumulate(bars, i);
}

const {
  unary: UNARY,
  binary: BINARY,
  binaryNumber: BINARY_NUMBER,
  where: WHERE,
  sum: SUM,
  input,
  leakyRelu: leakyReluBound,
} = boundScalar<Value>();
/** @internal The identity that stands for a differentiated argument in `grad`. */
export const INPUT = input;

/** @internal The node for an op's result: recorded with its inputs when any of them needs a gradient. */
export function recordValue(data: number, parents: readonly Value[], rule: ScalarRule<Value>): Value {
  if (!isGradEnabled() || !parents.some((p) => p.requiresGrad)) return watched(constant(data), rule);
  const node =
    parents.length > 2
      ? new Value(data, '', rule, null, null, parents, true)
      : new Value(data, '', rule, parents[0] ?? null, parents[1] ?? null, null, true);
  return watched(node, rule);
}

/** In anomaly mode, the node checked for a non-finite result of `rule`'s forward. */
function watched(node: Value, rule: ScalarRule<Value>): Value {
  return isAnomalyEnabled() ? watchForward(node, rule.name) : node;
}

// The two hot paths, without the closure of `record` and with no array when nothing is recorded.
function unaryNode(data: number, x: Value, rule: ScalarRule<Value>): Value {
  const node =
    x.requiresGrad && isGradEnabled() ? new Value(data, '', rule, x, null, null, true) : constant(data);
  return watched(node, rule);
}

function binaryNode(data: number, a: Value, b: Value | number, rule: ScalarRule<Value>): Value {
  const node =
    (a.requiresGrad || (typeof b !== 'number' && b.requiresGrad)) && isGradEnabled()
      ? new Value(data, '', rule, a, b, null, true)
      : constant(data);
  return watched(node, rule);
}

// The unary methods, declared for both engines in Elementwise and installed from the table as Tensor's
// are: each closes over its forward and rule, so an op added to the table is a Value method too.
export interface Value extends Elementwise<Value> {}
defineMethods(Value, unaryRules, (name, { forward }) => {
  const rule = UNARY[name];
  return function (this: Value): Value {
    return unaryNode(forward(this.data), this, rule);
  };
});

function binary(name: BinaryName, a: Value, other: Value | number): Value {
  const forward = binaryRules[name].forward;
  if (other instanceof Value) return binaryNode(forward(a.data, other.data), a, other, BINARY[name]);
  // a number operand is no node: it is kept as the number, and the node carries the rule that reads it so
  const b = finite(other, name);
  return binaryNode(forward(a.data, b), a, b, BINARY_NUMBER[name]);
}
