import type { NodeRule, NumericNode, NumericVjp } from './graph.js';
import { numericVjps, type ScalarNode } from './numeric.js';
import {
  type BinaryName,
  binaryRules,
  leakyReluRule,
  naryRules,
  type UnaryName,
  unaryRules,
  whereRule,
} from './rules/elementwise.js';
import type { ElementwiseRule, VjpMethods } from './rules/rule.js';

/** A scalar node that rules can differentiate: generically, and on the numbers of its fields. */
type RuleNode<N extends NumericNode<N>> = NumericNode<N> & VjpMethods<N> & ScalarNode;

// The rules of rules/ bound for scalar nodes (Value): each carries its generic vjp and the same vjp on
// plain numbers, traced from it once (numeric.ts), for the numeric sweep of graph.ts.

/** A rule bound to its attributes, as a scalar node carries it; `numeric` is null for a custom op. */
export interface ScalarRule<N extends RuleNode<N>> extends NodeRule<N> {
  numeric(arity: number): readonly (NumericVjp<N> | null)[] | null;
}

/** Binds an elementwise rule of fixed arity: its numeric vjp is traced once, here. */
function bind<N extends RuleNode<N>>(
  name: string,
  rule: ElementwiseRule,
  arity: number,
  attrs = 0,
  numberB = false,
): ScalarRule<N> {
  const numeric = numericVjps(rule, arity, attrs, numberB);
  return { name, vjp: (g, y, inputs) => rule.vjp(g, y, inputs, attrs), numeric: () => numeric };
}

/** Binds an n-ary rule: its numeric vjp is traced once per arity met. */
function bindNary<N extends RuleNode<N>>(name: string, rule: ElementwiseRule): ScalarRule<N> {
  const byArity: (NumericVjp<N> | null)[][] = [];
  return {
    name,
    vjp: (g, y, inputs) => rule.vjp(g, y, inputs, 0),
    numeric: (arity) => (byArity[arity] ??= numericVjps(rule, arity, 0)),
  };
}

/** A custom op's rule: a vjp only, so `backward()` runs the generic sweep. */
export function customRule<N extends RuleNode<N>>(name: string, vjp: NodeRule<N>['vjp']): ScalarRule<N> {
  return { name, vjp, numeric: () => null };
}

/** Every rule a scalar node can carry, bound once for one node type: value.ts binds them for Value. */
export function boundScalar<N extends RuleNode<N>>(): {
  readonly unary: Record<UnaryName, ScalarRule<N>>;
  readonly binary: Record<BinaryName, ScalarRule<N>>;
  /** The binary rules for a node whose second operand is a number, kept as its `b` (no node made). */
  readonly binaryNumber: Record<BinaryName, ScalarRule<N>>;
  readonly where: ScalarRule<N>;
  readonly sum: ScalarRule<N>;
  readonly input: ScalarRule<N>;
  /** leakyRelu's rule for one slope; the last one is kept, as a network uses one slope throughout. */
  readonly leakyRelu: (slope: number) => ScalarRule<N>;
} {
  const bindAll = <K extends string>(rules: Record<K, ElementwiseRule>, arity: number, numberB = false) =>
    Object.fromEntries(
      Object.entries<ElementwiseRule>(rules).map(([name, rule]) => [
        name,
        bind<N>(name, rule, arity, 0, numberB),
      ]),
    ) as Record<K, ScalarRule<N>>;
  let leaky: { slope: number; rule: ScalarRule<N> } | null = null;
  return {
    unary: bindAll(unaryRules, 1),
    binary: bindAll(binaryRules, 2),
    binaryNumber: bindAll(binaryRules, 2, true),
    where: bind('where', whereRule, 3),
    sum: bindNary('sum', naryRules.sum),
    input: bind('input', naryRules.input, 1),
    leakyRelu: (slope) => {
      if (leaky === null || !Object.is(leaky.slope, slope))
        leaky = { slope, rule: bind('leakyRelu', leakyReluRule, 1, slope) };
      return leaky.rule;
    },
  };
}
