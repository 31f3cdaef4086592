import {
  backward,
  isAnomalyEnabled,
  isGradEnabled,
  type Node,
  type Origin,
  type Vjp,
  watchForward,
} from './graph';
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
const CONSTANT: Origin<Value> = { op: '', parents: NO_PARENTS, vjp: null, requiresGrad: false };

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
  readonly op: string;
  readonly parents: readonly Value[];
  readonly vjp: Vjp<Value> | null;
  readonly requiresGrad: boolean;
  /** The accumulated adjoint as a node: with `createGraph` it can be differentiated again. */
  adjoint: Value | null = null;
  retainsGrad = false;
  sortIndex = 0;

  /** A leaf that requires grad. `data` must be a finite number. */
  constructor(data: number, label = '', origin?: Origin<Value>) {
    if (origin === undefined && (typeof data !== 'number' || !Number.isFinite(data))) {
      throw new TypeError(`Value: expected data to be a finite number, got ${describe(data)}`);
    }
    if (typeof label !== 'string')
      throw new TypeError(`Value: expected label to be a string, got ${describe(label)}`);
    this.data = data;
    this.label = label;
    this.op = origin?.op ?? '';
    this.parents = origin?.parents ?? NO_PARENTS;
    this.vjp = origin?.vjp ?? null;
    this.requiresGrad = origin?.requiresGrad ?? true;
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
    return record(total, 'sum', inputs, sumVjp);
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
    return record(c.data !== 0 ? this.data : b.data, 'where', [this, c, b], whereVjp);
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
    backward(this, toValue(seed ?? 1, 'backward'), options.createGraph ?? false);
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
  return new Value(data, '', CONSTANT);
}

/** The operand `x` as a Value; numbers must be finite. `op` names the caller in the error. */
export function toValue(x: Value | number, op: string): Value {
  if (x instanceof Value) return x;
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${op}: expected a Value or a finite number, got ${describe(x)}`);
  }
  return constant(x);
}

/** The node for an op's result: recorded with its inputs when any of them needs a gradient. */
export function record(data: number, op: string, parents: readonly Value[], vjp: Vjp<Value>): Value {
  const node =
    isGradEnabled() && parents.some((p) => p.requiresGrad)
      ? new Value(data, '', { op, parents, vjp, requiresGrad: true })
      : constant(data);
  return isAnomalyEnabled() ? watchForward(node, op) : node;
}

// The two hot paths, without the array and closure of `record` when nothing is recorded.
function unaryNode(data: number, op: string, x: Value, vjp: Vjp<Value>): Value {
  const node =
    x.requiresGrad && isGradEnabled()
      ? new Value(data, '', { op, parents: [x], vjp, requiresGrad: true })
      : constant(data);
  return isAnomalyEnabled() ? watchForward(node, op) : node;
}

function binaryNode(data: number, op: string, a: Value, b: Value, vjp: Vjp<Value>): Value {
  const node =
    (a.requiresGrad || b.requiresGrad) && isGradEnabled()
      ? new Value(data, '', { op, parents: [a, b], vjp, requiresGrad: true })
      : constant(data);
  return isAnomalyEnabled() ? watchForward(node, op) : node;
}

function unaryVjp(rule: UnaryRule): Vjp<Value> {
  return (g, y, [x]) => [rule.vjp(g, y, x!)];
}

function binaryVjp(rule: BinaryRule): Vjp<Value> {
  return (g, y, [a, b]) => rule.vjp(g, y, a!, b!);
}

const unaryVjps = Object.fromEntries(
  Object.entries(unaryRules).map(([name, rule]) => [name, unaryVjp(rule)]),
) as Record<UnaryName, Vjp<Value>>;

const binaryVjps = Object.fromEntries(
  Object.entries(binaryRules).map(([name, rule]) => [name, binaryVjp(rule)]),
) as Record<BinaryName, Vjp<Value>>;

function unary(name: UnaryName, x: Value): Value {
  return unaryNode(unaryRules[name].f(x.data), name, x, unaryVjps[name]);
}

function applyUnary(name: string, rule: UnaryRule, x: Value): Value {
  return unaryNode(rule.f(x.data), name, x, unaryVjp(rule));
}

function binary(name: BinaryName, a: Value, other: Value | number): Value {
  const b = toValue(other, name);
  return binaryNode(binaryRules[name].f(a.data, b.data), name, a, b, binaryVjps[name]);
}

// d(Σ xᵢ) = Σ dxᵢ
const sumVjp: Vjp<Value> = (g, _y, inputs) => inputs.map(() => g);

// d where(c, a, b) = where(c, da, 0) + where(c, 0, db); the condition gets none
const whereVjp: Vjp<Value> = (g, _y, [, c, b]) => [
  g.where(c!, 0),
  null,
  b!.requiresGrad ? g.where(c!.eq(0), 0) : null,
];
