import { copyOf, generate } from './codegen.js';
import {
  Adjoints,
  type Node,
  type NumericNode,
  type NumericVjp,
  type Pullback,
  requiresGrad,
  sortNodes,
  sweep,
} from './graph.js';
import { binaryRules, comparisons, unaryRules, whereRule } from './rules/elementwise.js';
import type { ElementwiseRule, VjpMethods } from './rules/rule.js';

/**
 * What a numeric vjp reads of a scalar node: its number and its inputs' numbers. A node of one or two
 * inputs holds them as `a` and `b`, where a number operand is `b` itself, not a node; a node of more
 * holds them all in `inputs`.
 */
export interface ScalarNode {
  readonly data: number;
  readonly a: { readonly data: number } | null;
  readonly b: { readonly data: number } | number | null;
  readonly inputs: readonly { readonly data: number }[] | null;
}

/** Where a node of `arity` inputs keeps input `j`'s number, as source over `node`. */
function inputCode(j: number, arity: number, numberB: boolean): string {
  if (arity > 2) return `node.inputs[${j}].data`;
  return j === 0 ? 'node.a.data' : numberB ? 'node.b' : 'node.b.data';
}

/** Input `j`'s number: what `inputCode` says, as a function. */
function inputNumber(node: ScalarNode, j: number, arity: number): number {
  const input = arity > 2 ? node.inputs![j]! : j === 0 ? node.a! : node.b!;
  return typeof input === 'number' ? input : input.data;
}

type Run = NumericVjp<ScalarNode>;

/**
 * A symbolic number: each method records the op it applies, with the same forward function the Value
 * method uses, into a closure that replays it on plain numbers. Running an elementwise rule's generic
 * vjp once on these turns it into a vjp on numbers, operation for operation, so the numeric sweep gives
 * the bits of the generic one without a second hand-written derivative.
 */
class Symbolic implements VjpMethods<Symbolic> {
  readonly requiresGrad = true;
  /**
   * `run` replays the ops; `code` is the same expression as JavaScript source over `g`, `node` and the
   * forward functions `fs`, compiled where the runtime allows it (a page's CSP may forbid `new Function`).
   */
  constructor(
    readonly run: Run,
    readonly code: string,
    readonly fs: readonly ((...x: number[]) => number)[] = [],
  ) {}

  add(other: Symbolic | number): Symbolic {
    return apply2(binaryRules.add.forward, this, other);
  }
  // the composites as Value writes them: a - b = a + (-b)
  sub(other: Symbolic | number): Symbolic {
    return this.add(lift(other).neg());
  }
  mul(other: Symbolic | number): Symbolic {
    return apply2(binaryRules.mul.forward, this, other);
  }
  div(other: Symbolic | number): Symbolic {
    return apply2(binaryRules.div.forward, this, other);
  }
  pow(other: Symbolic | number): Symbolic {
    return apply2(binaryRules.pow.forward, this, other);
  }
  neg(): Symbolic {
    return apply1(unaryRules.neg.forward, this);
  }
  exp(): Symbolic {
    return apply1(unaryRules.exp.forward, this);
  }
  log(): Symbolic {
    return apply1(unaryRules.log.forward, this);
  }
  sin(): Symbolic {
    return apply1(unaryRules.sin.forward, this);
  }
  cos(): Symbolic {
    return apply1(unaryRules.cos.forward, this);
  }
  sigmoid(): Symbolic {
    return apply1(unaryRules.sigmoid.forward, this);
  }
  gt(other: Symbolic | number): Symbolic {
    return apply2(comparisons.gt.forward, this, other);
  }
  ge(other: Symbolic | number): Symbolic {
    return apply2(comparisons.ge.forward, this, other);
  }
  lt(other: Symbolic | number): Symbolic {
    return apply2(comparisons.lt.forward, this, other);
  }
  eq(other: Symbolic | number): Symbolic {
    return apply2(comparisons.eq.forward, this, other);
  }
  where(cond: Symbolic, other: Symbolic | number): Symbolic {
    return call(whereRule.forward, [this, cond, lift(other)]);
  }
}

function lift(x: Symbolic | number): Symbolic {
  return typeof x === 'number' ? new Symbolic(() => x, `(${x})`) : x;
}

function apply1(f: (x: number) => number, x: Symbolic): Symbolic {
  return call(f, [x]);
}

function apply2(f: (x: number, y: number) => number, x: Symbolic, y: Symbolic | number): Symbolic {
  return call(f, [x, lift(y)]);
}

/** `f` applied to the operands: a closure over theirs, and the call as source, `fs[k](…)`. */
function call(f: (...x: number[]) => number, operands: readonly Symbolic[]): Symbolic {
  const fs = [...new Set([...operands.flatMap((x) => x.fs), f])];
  const code = `fs[${fs.indexOf(f)}](${operands.map((x) => renumber(x, fs)).join(', ')})`;
  const runs = operands.map((x) => x.run);
  const run: Run =
    runs.length === 1
      ? (g, node) => f(runs[0]!(g, node))
      : runs.length === 2
        ? (g, node) => f(runs[0]!(g, node), runs[1]!(g, node))
        : (g, node) => f(...runs.map((r) => r(g, node)));
  return new Symbolic(run, code, fs);
}

/** An operand's source with its `fs[k]` references renumbered into the combined list `fs`. */
function renumber(x: Symbolic, fs: readonly ((...x: number[]) => number)[]): string {
  return x.code.replace(/fs\[(\d+)\]/g, (_, k: string) => `fs[${fs.indexOf(x.fs[Number(k)]!)}]`);
}

/** The expression compiled to a function, or its closure where `new Function` is not allowed. */
function toFunction(x: Symbolic): Run {
  return generate<Run>(['fs'], `return (g, node) => ${x.code};`, [x.fs]) ?? x.run;
}

/**
 * `rule`'s vjp on plain numbers for a node of `arity` inputs: one function per input, or null where the
 * rule gives that input no gradient. Symbolic once, when a rule is bound, not per node.
 */
export function numericVjps(
  rule: ElementwiseRule,
  arity: number,
  attrs: number,
  numberB = false,
): (Run | null)[] {
  const g = new Symbolic((g) => g, 'g');
  const y = new Symbolic((_g, node) => node.data, 'node.data');
  const inputs = Array.from(
    { length: arity },
    (_, j) => new Symbolic((_g, node) => inputNumber(node, j, arity), inputCode(j, arity, numberB)),
  );
  return rule.vjp(g, y, inputs, attrs).map((gj) => (gj === null ? null : toFunction(gj)));
}

/**
 * The sort, the sweep and the adjoints of the scalar engine's number path: copies of the same source, each with type
 * feedback of its own. One function shared by both engines sees Values and numbers in one program and
 * Tensors in the next: after the scalar benchmarks (W1, W5), W2's eager step ran 2× slower in the same
 * process (0.82 against 0.41 ms, and 1.39 against 0.60) until the two stopped sharing them.
 */
const sortScalar = copyOf(sortNodes);
const sweepNumbers = copyOf(sweep);
const NumberAdjoints = copyOf(Adjoints);

/**
 * `backward()` on plain numbers, for a scalar graph when nothing is recorded: the same sort and the same
 * sweep, with number cotangents and each rule's numeric vjps (traced once from its generic one, see
 * numeric.ts), so no node is made; `commit` adds each kept node's adjoint (bars[i]) once the sweep is
 * done (all or nothing, as `backward`), and may keep the array itself. It sums contributions in the order the node sweep does, so the
 * bits match (a property test holds it). Returns false, having touched nothing, if some rule (a custom
 * op's) has no numeric vjp.
 */
export function backwardNumeric<N extends NumericNode<N>>(
  root: N,
  seed: number,
  commit: (node: N, bars: Float64Array, i: number) => void,
): boolean {
  const order = sortScalar(root, requiresGrad);
  const vjps: (readonly (NumericVjp<N> | null)[])[] = new Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    const numeric = node.rule === null ? LEAF : node.rule.numeric(arity(node));
    if (numeric === null) return false;
    vjps[i] = numeric;
  }
  const pullback: Pullback<N, number> = (node, g, adjoints) => {
    const numeric = vjps[node.sortIndex]!;
    for (let j = 0; j < numeric.length; j++) {
      const input = node.inputAt(j)!;
      const vjp = numeric[j]!;
      if (typeof input === 'number' || vjp === null || !input.requiresGrad) continue;
      adjoints.add(input.sortIndex, vjp(g, node));
    }
  };
  const adjoints = new NumberAdjoints<number>(order.length, true);
  sweepNumbers(order, seed, adjoints, pullback, ignore);
  // the number adjoints stay in place after the sweep: each kept one is added once it has finished
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    if (adjoints.reached(i) && (node.rule === null || node.retainsGrad)) commit(node, adjoints.numbers, i);
  }
  return true;
}

/** How many inputs the op that made `node` took (a number operand counts). */
export function arity<N extends Node<N>>(node: N): number {
  let k = 0;
  while (node.inputAt(k) !== null) k++;
  return k;
}

function ignore(): void {}

/** What a leaf has in place of numeric vjps. */
const LEAF: readonly null[] = [];
