import { diagonalJvp } from './forward.js';
import type { Jvp, NodeRule, Vjp } from './graph.js';
import { type BinaryName, binaryRules, type UnaryName, unaryRules, whereRule } from './rules/elementwise.js';
import type { ElementwiseRule, TensorNode, TensorRule } from './rules/rule.js';
import { sameShape } from './shape.js';

// The rules of rules/ bound for Tensor nodes: the Tensor engine's part of each vjp is broadcasting (each
// gradient summed back to its input's shape) and dtype promotion (each gradient cast back to its input's).

/** A Tensor rule of rules/ bound to one node's attributes. */
export function bindRule<T extends TensorNode<T>, A>(
  name: string,
  rule: TensorRule<A>,
  attrs: A,
): NodeRule<T> {
  const vjp: Vjp<T> = (g, y, xs) => rule.vjp(g, y, xs, attrs);
  const tangent = rule.jvp;
  if (tangent === undefined) return { name, vjp };
  const jvp: Jvp<T> =
    tangent === 'linear'
      ? ([dx], _y, xs) => dx?.applyRule(name, rule, attrs, xs.slice(1)) ?? null
      : (dxs, y, xs) => tangent(dxs, y, xs, attrs);
  return { name, vjp, jvp };
}

/** `rule` with each gradient cast to its input's dtype. */
export function inDTypes<T extends TensorNode<T>>(rule: NodeRule<T>): NodeRule<T> {
  const vjp: Vjp<T> = (g, y, xs) => rule.vjp(g, y, xs).map((gi, i) => gi?.astype(xs[i]!.dtype) ?? null);
  const inner = rule.jvp;
  if (inner === undefined) return { name: rule.name, vjp };
  // …and each tangent cast to the output's dtype, as the op promoted its input
  const jvp: Jvp<T> = (dxs, y, xs) =>
    inner(
      dxs.map((dx) => dx?.astype(y.dtype) ?? null),
      y,
      xs,
    );
  return { name: rule.name, vjp, jvp };
}

/**
 * An elementwise rule of rules/ bound for tensors: broadcasting is the Tensor's business, so each
 * gradient is summed back to its input's shape.
 */
export function elementwise<T extends TensorNode<T>>(
  name: string,
  rule: ElementwiseRule,
  attrs = 0,
): NodeRule<T> {
  return {
    name,
    // a gradient is summed back only for an input that needs one (not the 1 of x + 1)
    vjp: (g, y, xs) =>
      rule
        .vjp(g, y, xs, attrs)
        .map((gi, i) => (xs[i]!.requiresGrad ? (gi?.sumTo(xs[i]!.shape) ?? null) : null)),
    // a tangent is spread to the output's shape first, where broadcasting stretched its input
    jvp: diagonalJvp<T>(
      (g, y, xs) => rule.vjp(g, y, xs, attrs),
      (dx, y) => (sameShape(dx.shape, y.shape) ? dx : dx.broadcastTo(y.shape)),
    ),
  };
}

/** The elementwise tables of rules/ bound for one tensor type: tensor.ts binds them once, for Tensor. */
export function boundElementwise<T extends TensorNode<T>>(): {
  readonly unary: Record<UnaryName, NodeRule<T>>;
  readonly binary: Record<BinaryName, NodeRule<T>>;
  readonly where: NodeRule<T>;
} {
  const bindAll = <K extends string>(rules: Record<K, ElementwiseRule>) =>
    Object.fromEntries(
      Object.entries<ElementwiseRule>(rules).map(([name, rule]) => [name, elementwise<T>(name, rule)]),
    ) as Record<K, NodeRule<T>>;
  return {
    unary: bindAll(unaryRules),
    binary: bindAll(binaryRules),
    where: elementwise<T>('where', whereRule),
  };
}
