// Forward mode: every node's tangent ẋ = ∂x/∂t, pushed from the differentiated inputs toward the outputs
// in the order the graph was recorded, each through its rule's jvp. The dual of graph.ts's sweep, on the
// same sort and the same rules: where an op states no jvp, the caller derives one from its vjp (a scalar
// op's Jacobian is diagonal; any other, a custom Tensor op's, is transposed: transforms.ts).

import { anomaly, isAnomalyEnabled, withAnomalyPaused } from './anomaly.js';
import {
  type Jvp,
  type Node,
  type NodeRule,
  type NumericNode,
  topoSort,
  type Vjp,
  withGradMode,
} from './graph.js';
import { arity } from './numeric.js';
import { formatShape, ShapeError, sameShape } from './shape.js';

/** The jvp of a rule that states none, derived from its vjp by the caller of `pushForward`. */
export type DerivedJvp<N> = (rule: NodeRule<N>, createGraph: boolean) => Jvp<N>;

/**
 * The tangents of `outputs`, given those of `seeds` (the differentiated inputs, nodes of the graph the
 * outputs were recorded in); null for an output no seed reaches. Under `createGraph` the tangents are
 * recorded, so they can be differentiated again (forward over reverse, reverse over forward).
 */
export function pushForward<N extends Node<N>>(
  outputs: readonly N[],
  seeds: ReadonlyMap<N, N>,
  createGraph: boolean,
  derived: DerivedJvp<N>,
): (N | null)[] {
  return withGradMode(createGraph, () => {
    const tangents = new Map(seeds);
    // the sort stops at the seeds: what lies below them does not move with them
    const follow = (node: N) => node.requiresGrad && !seeds.has(node);
    for (const output of outputs) {
      if (!follow(output)) continue;
      for (const node of topoSort(output, follow)) {
        if (node.rule === null || tangents.has(node)) continue;
        const rule = node.rule;
        const t = tangentOf(node, rule, rule.jvp ?? derived(rule, createGraph), tangents);
        if (t !== null) tangents.set(node, t);
      }
    }
    return outputs.map((output) => tangents.get(output) ?? null);
  });
}

/** One node's tangent from its inputs' tangents, through `jvp`, checked for its shape and (in anomaly mode) values. */
function tangentOf<N extends Node<N>>(
  node: N,
  rule: NodeRule<N>,
  jvp: Jvp<N>,
  tangents: ReadonlyMap<N, N>,
): N | null {
  const inputs = node.parents;
  const dxs = inputs.map((x) => tangents.get(x) ?? null);
  if (dxs.every((dx) => dx === null)) return null;
  // in anomaly mode the jvp's own arithmetic is not checked as a forward pass: its result is, below
  const t = isAnomalyEnabled() ? withAnomalyPaused(() => jvp(dxs, node, inputs)) : jvp(dxs, node, inputs);
  if (t === null) return null;
  if (!sameShape(t.shape, node.shape)) {
    throw new ShapeError(
      `jvp of ${rule.name}: the tangent has shape ${formatShape(t.shape)}, the output ${formatShape(node.shape)}`,
    );
  }
  if (isAnomalyEnabled() && !t.allFinite()) throw anomaly('forward', rule.name, node, 'the tangent');
  return t;
}

/**
 * The jvp of an op whose Jacobian is diagonal (every elementwise op, every scalar op): its vjp for input
 * i is g·∂y/∂xᵢ, so fed the tangent ẋᵢ (spread to the output's shape) it gives that input's share of ẏ.
 */
export function diagonalJvp<N extends { add(other: N): N }>(vjp: Vjp<N>, spread: (dx: N, y: N) => N): Jvp<N> {
  return (tangents, y, inputs) => {
    let out: N | null = null;
    for (let i = 0; i < tangents.length; i++) {
      const dx = tangents[i];
      if (dx === null || dx === undefined) continue;
      const share = vjp(spread(dx, y), y, inputs)[i];
      if (share !== null && share !== undefined) out = out === null ? share : out.add(share);
    }
    return out;
  };
}

/**
 * `pushForward` on plain numbers, for a scalar graph when nothing is recorded: dual numbers, each node's
 * tangent the sum of its inputs' tangents times its partials, from each rule's numeric vjp (g·∂y/∂xᵢ at
 * g = ẋᵢ). Null, having computed nothing that matters, if some rule (a custom op's) has no numeric vjp.
 */
export function pushForwardNumbers<N extends NumericNode<N>>(
  outputs: readonly N[],
  seeds: ReadonlyMap<N, number>,
): number[] | null {
  const tangents = new Map(seeds);
  const follow = (node: N) => node.requiresGrad && !seeds.has(node);
  for (const output of outputs) {
    if (!follow(output)) continue;
    for (const node of topoSort(output, follow)) {
      if (node.rule === null || tangents.has(node)) continue;
      const partials = node.rule.numeric(arity(node));
      if (partials === null) return null;
      let t = 0;
      let reached = false;
      for (let j = 0; j < partials.length; j++) {
        const x = node.inputAt(j);
        const dx = typeof x === 'number' || x === null ? undefined : tangents.get(x);
        const partial = partials[j];
        if (dx === undefined || partial === null || partial === undefined) continue;
        t += partial(dx, node);
        reached = true;
      }
      if (reached) tangents.set(node, t);
    }
  }
  return outputs.map((output) => tangents.get(output) ?? 0);
}
