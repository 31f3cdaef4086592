import { isAnomalyEnabled, watchForward } from './anomaly';
import { backward, isGradEnabled, type Node, topoSort, type Vjp } from './graph';
import {
  type BinaryName,
  type BinaryRule,
  binaryRules,
  type Elementwise,
  leakyReluRule,
  type UnaryName,
  type UnaryRule,
  unaryRules,
} from './ops';
import { describe } from './shape';

const SCALAR: readonly number[] = Object.freeze([]);
const NO_PARENTS: readonly Value[] = Object.freeze([]);

/** Options of `backward`. */
export interface BackwardOptions {
  /** Record the backward pass itself, so the adjoints can be differentiated again. */
  readonly createGraph?: boolean;
}

/**
 * A scalar node of the computation graph: micrograd's `Value`. Every op takes a `Value` or a number,
 * records itself, and `backward()` fills in `grad`, the adjoint ∂(output)/∂(this).
 */
export class Value implements Node<Value>, Elementwise<Value> {
  /** The number this node holds. Optimizers write it in place. */
  data: number;
  label: string;
  /** The op's inputs: the graph, walked backward by `backward()`. */
  readonly parents: readonly Value[];
  readonly requiresGrad: boolean;
  /** The accumulated adjoint as a node: with `createGraph` it can be differentiated again. */
  adjoint: Value | null = null;
  /** Set by `retainGrad()`. */
  retainsGrad = false;
  /** @internal Scratch for the topological sort (graph.ts); not part of the API. */
  sortIndex = 0;
  /** @internal The op that made this node (shared by all its nodes); null for leaves and constants. */
  readonly rule: ValueRule | null;

  /**
   * A leaf that requires grad. `data` must be a finite number. The other parameters are internal: the
   * ops make their nodes with their rule and inputs, and numbers enter as constants (`requiresGrad` false).
   * A node is kept small, as graphs of a million of them are made: fields shared by every node of an op
   * live in its rule.
   */
  constructor(
    data: number,
    label = '',
    rule: ValueRule | null = null,
    parents: readonly Value[] = NO_PARENTS,
    requiresGrad = true,
  ) {
    if (rule === null && requiresGrad) {
      if (typeof data !== 'number' || !Number.isFinite(data))
        throw new TypeError(`Value: expected data to be a finite number, got ${describe(data)}`);
      if (typeof label !== 'string')
        throw new TypeError(`Value: expected label to be a string, got ${describe(label)}`);
    }
    this.data = data;
    this.label = label;
    this.parents = parents;
    this.requiresGrad = requiresGrad;
    this.rule = rule;
  }

  /** The op that made this node ('' for a leaf), as `toDot` shows it. */
  get op(): string {
    return this.rule === null ? '' : this.rule.op;
  }

  /** The op's vjp; null for a leaf. */
  get vjp(): Vjp<Value> | null {
    return this.rule === null ? null : this.rule.vjp;
  }

  /** A rank-0 shape: a `Value` is a scalar. */
  get shape(): readonly number[] {
    return SCALAR;
  }

  /** ∂(output)/∂(this) after `backward()`, 0 before. */
  get grad(): number {
    return this.adjoint === null ? 0 : this.adjoint.data;
  }

  set grad(g: number) {
    this.adjoint = g === 0 ? null : constant(g);
  }

  /** The sum of many values as one node, cheaper than a chain of `add`s: Σ xᵢ. */
  static sum(values: readonly (Value | number)[]): Value {
    if (!Array.isArray(values)) throw new TypeError(`Value.sum: expected an array, got ${describe(values)}`);
    const inputs = values.map((v, i) => toValue(v, `Value.sum (element ${i})`));
    let total = 0;
    for (const v of inputs) total += v.data;
    return record(total, inputs, sumRule);
  }

  add(other: Value | number): Value {
    return binary('add', this, other);
  }
  sub(other: Value | number): Value {
    return this.add(toValue(other, 'sub').neg());
  }
  mul(other: Value | number): Value {
    return binary('mul', this, other);
  }
  div(other: Value | number): Value {
    return binary('div', this, other);
  }
  pow(other: Value | number): Value {
    return binary('pow', this, other);
  }
  maximum(other: Value | number): Value {
    return binary('maximum', this, other);
  }
  minimum(other: Value | number): Value {
    return binary('minimum', this, other);
  }
  neg(): Value {
    return unary('neg', this);
  }
  exp(): Value {
    return unary('exp', this);
  }
  log(): Value {
    return unary('log', this);
  }
  tanh(): Value {
    return unary('tanh', this);
  }
  sigmoid(): Value {
    return unary('sigmoid', this);
  }
  /** max(x, 0); its derivative at 0 is 1, as seed 000 (eq. 11) defines it. */
  relu(): Value {
    return unary('relu', this);
  }
  /** x for x ≥ 0, `slope`·x below (default 0.01); derivative 1 at 0. */
  leakyRelu(slope = 0.01): Value {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) {
      throw new RangeError(`leakyRelu: expected slope to be a finite number, got ${describe(slope)}`);
    }
    return applyUnary('leakyRelu', leakyReluRule(slope), this);
  }
  sin(): Value {
    return unary('sin', this);
  }
  cos(): Value {
    return unary('cos', this);
  }
  sqrt(): Value {
    return unary('sqrt', this);
  }
  /** |x|; its derivative at 0 is 0. */
  abs(): Value {
    return unary('abs', this);
  }
  /** log(1 + eˣ), finite for any finite x. */
  softplus(): Value {
    return unary('softplus', this);
  }

  gt(other: Value | number): Value {
    return constant(this.data > toValue(other, 'gt').data ? 1 : 0);
  }
  ge(other: Value | number): Value {
    return constant(this.data >= toValue(other, 'ge').data ? 1 : 0);
  }
  lt(other: Value | number): Value {
    return constant(this.data < toValue(other, 'lt').data ? 1 : 0);
  }
  le(other: Value | number): Value {
    return constant(this.data <= toValue(other, 'le').data ? 1 : 0);
  }
  eq(other: Value | number): Value {
    return constant(this.data === toValue(other, 'eq').data ? 1 : 0);
  }

  /** `this` where `cond` is nonzero, else `other`; the gradient goes to the branch taken only. */
  where(cond: Value | number, other: Value | number): Value {
    const c = toValue(cond, 'where');
    const b = toValue(other, 'where');
    return record(c.data !== 0 ? this.data : b.data, [this, c, b], whereRule);
  }

  /**
   * Backpropagates from this node, seeding its adjoint with `seed` (default 1), and adds each leaf's
   * gradient into its `grad`. Leaves accumulate across calls until `zeroGrad()`.
   */
  backward(seed?: number | Value | BackwardOptions, options: BackwardOptions = {}): void {
    if (typeof seed === 'object' && !(seed instanceof Value)) {
      this.backward(undefined, seed);
      return;
    }
    const g = toValue(seed ?? 1, 'backward');
    const createGraph = options.createGraph ?? false;
    if (!createGraph && this.requiresGrad && !isAnomalyEnabled() && backwardFast(this, g.data)) return;
    backward(this, g, createGraph);
  }

  /** Forgets this node's accumulated gradient. */
  zeroGrad(): void {
    this.adjoint = null;
  }

  /** Asks a non-leaf to keep its adjoint after `backward()`, like a leaf. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  snapshot(): Value {
    return constant(this.data);
  }

  allFinite(): boolean {
    return Number.isFinite(this.data);
  }

  toString(): string {
    const name = this.label === '' ? '' : `${this.label}: `;
    return `Value(${name}data=${this.data}, grad=${this.grad})`;
  }
}

/** A number as a `Value` that needs no gradient: how numeric operands enter the graph. */
function constant(data: number): Value {
  return new Value(data, '', null, NO_PARENTS, false);
}

/** The operand `x` as a Value; numbers must be finite. `op` names the caller in the error. */
export function toValue(x: Value | number, op: string): Value {
  if (x instanceof Value) return x;
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${op}: expected a Value or a finite number, got ${describe(x)}`);
  }
  return constant(x);
}

/**
 * The vjp of an input of a Value node on plain numbers: ∂ₓ for input `i`, given the node's adjoint `g`.
 * It mirrors the op's generic vjp operation for operation, so both paths give the same bits.
 */
export type FastVjp = (g: number, node: Value, i: number) => number;

/** How a Value op differentiates: its name, its generic vjp, and the numeric one (null: the op has none). */
export interface ValueRule {
  readonly op: string;
  readonly vjp: Vjp<Value>;
  readonly fast: FastVjp | null;
}

/** The node for an op's result: recorded with its inputs when any of them needs a gradient. */
export function record(data: number, parents: readonly Value[], rule: ValueRule): Value {
  const node =
    isGradEnabled() && parents.some((p) => p.requiresGrad)
      ? new Value(data, '', rule, parents)
      : constant(data);
  return isAnomalyEnabled() ? watchForward(node, rule.op) : node;
}

// The two hot paths, without the closure of `record` and with no array when nothing is recorded.
function unaryNode(data: number, x: Value, rule: ValueRule): Value {
  const node = x.requiresGrad && isGradEnabled() ? new Value(data, '', rule, [x]) : constant(data);
  return isAnomalyEnabled() ? watchForward(node, rule.op) : node;
}

function binaryNode(data: number, a: Value, b: Value, rule: ValueRule): Value {
  const node =
    (a.requiresGrad || b.requiresGrad) && isGradEnabled()
      ? new Value(data, '', rule, [a, b])
      : constant(data);
  return isAnomalyEnabled() ? watchForward(node, rule.op) : node;
}

function unaryRule(op: string, rule: UnaryRule): ValueRule {
  return {
    op,
    vjp: (g, y, inputs) => [rule.vjp(g, y, inputs[0]!)],
    fast: (g, node) => rule.fast(g, node.data, node.parents[0]!.data),
  };
}

function binaryRule(op: string, rule: BinaryRule): ValueRule {
  const [fastA, fastB] = rule.fast;
  return {
    op,
    vjp: (g, y, inputs) => rule.vjp(g, y, inputs[0]!, inputs[1]!),
    fast: (g, node, i) =>
      (i === 0 ? fastA : fastB)(g, node.data, node.parents[0]!.data, node.parents[1]!.data),
  };
}

const unaryValueRules = Object.fromEntries(
  Object.entries(unaryRules).map(([name, rule]) => [name, unaryRule(name, rule)]),
) as Record<UnaryName, ValueRule>;

const binaryValueRules = Object.fromEntries(
  Object.entries(binaryRules).map(([name, rule]) => [name, binaryRule(name, rule)]),
) as Record<BinaryName, ValueRule>;

function unary(name: UnaryName, x: Value): Value {
  return unaryNode(unaryRules[name].f(x.data), x, unaryValueRules[name]);
}

function applyUnary(name: string, rule: UnaryRule, x: Value): Value {
  return unaryNode(rule.f(x.data), x, unaryRule(name, rule));
}

function binary(name: BinaryName, a: Value, other: Value | number): Value {
  const b = toValue(other, name);
  return binaryNode(binaryRules[name].f(a.data, b.data), a, b, binaryValueRules[name]);
}

// d(Σ xᵢ) = Σ dxᵢ
const sumRule: ValueRule = { op: 'sum', vjp: (g, _y, inputs) => inputs.map(() => g), fast: (g) => g };

// d where(c, a, b) = where(c, da, 0) + where(c, 0, db); the condition gets none
const whereRule: ValueRule = {
  op: 'where',
  vjp: (g, _y, [, c, b]) => [g.where(c!, 0), null, b!.requiresGrad ? g.where(c!.eq(0), 0) : null],
  fast: (g, node, i) => {
    const taken = node.parents[1]!.data !== 0;
    return i === 0 ? (taken ? g : 0) : i === 2 ? (taken ? 0 : g) : 0;
  },
};

/**
 * backward() when nothing is recorded: the same sweep as graph.ts's, on a Float64Array of adjoints and
 * each node's numeric vjp, so no Value is made but for the leaves' gradients. Sums in the same order as
 * the general sweep, so the bits match. Returns false, having touched nothing, if some op (a custom one)
 * has no numeric vjp.
 */
function backwardFast(root: Value, seed: number): boolean {
  const { order, edges, starts } = topoSort(root);
  for (const node of order) if (node.rule !== null && node.rule.fast === null) return false;
  const adjoints = new Float64Array(order.length);
  const reached = new Uint8Array(order.length);
  adjoints[order.length - 1] = seed;
  reached[order.length - 1] = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    if (reached[i] === 0) continue;
    const node = order[i]!;
    const g = adjoints[i]!;
    const rule = node.rule;
    if (rule === null || node.retainsGrad)
      node.adjoint = constant(node.adjoint === null ? g : node.adjoint.data + g);
    if (rule === null) continue;
    const fast = rule.fast!;
    const first = starts[i]!;
    const count = node.parents.length;
    for (let j = 0; j < count; j++) {
      const at = edges[first + j]!;
      if (at < 0) continue;
      const contribution = fast(g, node, j);
      if (reached[at] === 0) {
        adjoints[at] = contribution;
        reached[at] = 1;
      } else {
        adjoints[at] = adjoints[at]! + contribution;
      }
    }
  }
  return true;
}
