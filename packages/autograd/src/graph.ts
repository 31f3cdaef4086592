// The engine: graph.ts sweeps the graph that value.ts and tensor.ts record, with the rules of rules/;
// functional, custom, anomaly and dot build on them. graph.ts imports no node type: Node states its needs.
import { anomaly, isAnomalyEnabled, withAnomalyPaused } from './anomaly.js';
import { effect } from './run.js';
import { callSynchronously } from './scope.js';
import { formatShape, ShapeError, sameShape } from './shape.js';

/**
 * An op's vector-Jacobian product at one node: given the adjoint `g` of its output `y`, one gradient per
 * input, already shaped like that input, or `null` for an input that needs none.
 */
export type Vjp<N> = (g: N, y: N, inputs: readonly N[]) => readonly (N | null)[];

/** The rule a recorded node carries: its op's name and vjp, with the op's attributes already bound. */
export interface NodeRule<N> {
  readonly name: string;
  readonly vjp: Vjp<N>;
}

/** What the backward pass needs of a graph node. `Value` and `Tensor` are both one. */
export interface Node<N extends Node<N>> {
  /** The inputs of the op that made this node; empty for leaves and for nodes made without recording. */
  readonly parents: readonly N[];
  /** How the op that made this node differentiates; null for a leaf or a constant. */
  readonly rule: NodeRule<N> | null;
  /** Whether gradients flow to this node; the pass never visits a node for which this is false. */
  readonly requiresGrad: boolean;
  readonly shape: readonly number[];
  /** The adjoint accumulated by `backward()`: kept on leaves, and on nodes that ask to retain it. */
  adjoint: N | null;
  /** Set by `retainGrad()`: a non-leaf that keeps its adjoint like a leaf does. */
  retainsGrad: boolean;
  /** Scratch for `topoSort`: this node's position in the last order that included it. */
  sortIndex: number;
  /** The sum of two adjoints: how the sweep accumulates. */
  add(other: N): N;
  /** A constant copy that shares no memory with this node: what a leaf stores, so no two share a gradient. */
  snapshot(): N;
  /** Whether every element is a finite number (what anomaly mode checks). */
  allFinite(): boolean;
  label: string;
}

/** A rule's vjp for one input on plain numbers: ∂y/∂input times `g`, reading the node's numbers. */
export type NumericVjp<N> = (g: number, node: N) => number;

/**
 * A scalar node whose rule can also differentiate on plain numbers: what the numeric sweep needs. Its
 * inputs are fields, not an array (`parents` makes one): `a` and `b` for one or two, `inputs` for more;
 * a number operand is `b` itself, which needs no gradient.
 */
export interface NumericNode<N extends NumericNode<N>> extends Node<N> {
  readonly data: number;
  readonly a: N | null;
  readonly b: N | number | null;
  readonly inputs: readonly N[] | null;
  readonly rule: (NodeRule<N> & { numeric(arity: number): readonly (NumericVjp<N> | null)[] | null }) | null;
}

let gradEnabled = true;

/** Whether ops record the graph right now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with recording switched on or off, and restores the previous mode even if `fn` throws. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return callSynchronously('noGrad', 'the no-grad mode', fn);
  } finally {
    gradEnabled = previous;
  }
}

/** Runs `fn` without recording: nothing computed inside joins a graph. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** A topological order of a graph, with each node's parents given by their positions in it. */
export interface Sorted<N> {
  /** Every node after all of its parents; the root last. */
  readonly order: N[];
  /** Node k's parents are at `edges[starts[k]] …`; -1 for a parent that is not followed. */
  readonly edges: Int32Array;
  readonly starts: Int32Array;
}

/**
 * The nodes reachable from `root` through parents that `follow` accepts, each after all of its parents.
 * A loop with an explicit stack, not recursion, so a graph a million nodes deep cannot overflow the stack.
 * Instead of a Set, each node remembers its position in the order (`sortIndex`); a position counts only if
 * `order` holds the node there, so an index left over from another sort is never mistaken for this one.
 */
export function topoSort<N extends Node<N>>(
  root: N,
  follow: (parent: N) => boolean = requiresGrad,
): Sorted<N> {
  const order: N[] = [];
  let edges = new Int32Array(1024);
  let starts = new Int32Array(1024);
  let edgeCount = 0;
  // The path from the root down to the node being expanded, and for each the next parent to look at:
  // each node is pushed once, and emitted once every parent it follows is in `order`.
  const stack: N[] = [root];
  const parentsOf: (readonly N[])[] = [root.parents]; // read once: a Value makes the array when asked
  const next: number[] = [0];
  let top = 0;
  while (top >= 0) {
    const node = stack[top]!;
    const parents = parentsOf[top]!;
    let k = next[top]!;
    let descended = false;
    while (k < parents.length) {
      const parent = parents[k++]!;
      if (follow(parent) && !(parent.sortIndex < order.length && order[parent.sortIndex] === parent)) {
        // not yet emitted, and not on the path either: in a DAG no node is its own ancestor
        next[top] = k;
        top++;
        stack[top] = parent;
        parentsOf[top] = parent.parents;
        next[top] = 0;
        descended = true;
        break;
      }
    }
    if (descended) continue;
    top--;
    const at = order.length;
    node.sortIndex = at;
    order.push(node);
    if (at + 1 >= starts.length) starts = grow(starts, at + 2);
    starts[at] = edgeCount;
    if (edgeCount + parents.length > edges.length) edges = grow(edges, edgeCount + parents.length);
    for (let i = 0; i < parents.length; i++) {
      const parent = parents[i]!;
      edges[edgeCount++] = follow(parent) ? parent.sortIndex : -1;
    }
  }
  starts[order.length] = edgeCount;
  return { order, edges: edges.subarray(0, edgeCount), starts: starts.subarray(0, order.length + 1) };
}

function grow(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(needed, 2 * array.length));
  bigger.set(array);
  return bigger;
}

function requiresGrad(node: { readonly requiresGrad: boolean }): boolean {
  return node.requiresGrad;
}

/**
 * The reverse sweep. Walks `root`'s graph from the output back, calls each vjp once, sums the gradients
 * that reach a node, and hands `visit` each node's finished adjoint. With `createGraph` the vjps are
 * recorded, so the adjoints are themselves differentiable.
 */
function sweep<N extends Node<N>>(
  root: N,
  seed: N,
  createGraph: boolean,
  visit: (node: N, adjoint: N, position: number) => void,
): void {
  withGradMode(createGraph, () => {
    const { order, edges, starts } = topoSort(root);
    const pending: (N | undefined)[] = new Array(order.length);
    pending[order.length - 1] = seed;
    for (let i = order.length - 1; i >= 0; i--) {
      const g = pending[i];
      if (g === undefined) continue; // every path from the root to this node carries no gradient
      pending[i] = undefined;
      const node = order[i]!;
      visit(node, g, i);
      const rule = node.rule;
      if (rule === null) continue;
      const parents = node.parents;
      // in anomaly mode the vjp's own arithmetic is not checked as a forward pass: its result is, below
      const grads = isAnomalyEnabled()
        ? withAnomalyPaused(() => rule.vjp(g, node, parents))
        : rule.vjp(g, node, parents);
      if (grads.length !== parents.length) {
        throw new Error(
          `vjp of ${rule.name}: expected ${parents.length} gradient(s), one per input, got ${grads.length}`,
        );
      }
      if (isAnomalyEnabled()) {
        grads.forEach((gj, j) => {
          if (gj !== null && gj !== undefined && !gj.allFinite())
            throw anomaly('backward', rule.name, node, `the gradient for input ${j}`);
        });
      }
      const first = starts[i]!;
      for (let j = 0; j < parents.length; j++) {
        const at = edges[first + j]!;
        const gj = grads[j];
        if (at < 0 || gj === null || gj === undefined) continue;
        const parent = parents[j]!;
        if (!sameShape(gj.shape, parent.shape)) {
          throw new ShapeError(
            `vjp of ${rule.name}: gradient for input ${j} has shape ${formatShape(gj.shape)}, input has ${formatShape(parent.shape)}`,
          );
        }
        const sum = pending[at];
        pending[at] = sum === undefined ? gj : sum.add(gj);
      }
    }
  });
}

/**
 * Backpropagates from `root`: every leaf that requires grad (and every node that retains its grad) adds
 * its adjoint into `.adjoint`. Leaves accumulate across calls until `zeroGrad()`; intermediates start fresh.
 * All or nothing: the adjoints are added only once the sweep has finished, so a vjp that throws leaves
 * every `.adjoint` as it was.
 */
export function backward<N extends Node<N>>(root: N, seed: N, createGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: the output does not require grad; no input with requiresGrad reaches it (or it was computed inside noGrad)',
    );
  }
  const kept: [N, N][] = [];
  sweep(root, seed, createGraph, (node, g) => {
    if (node.rule === null || node.retainsGrad) kept.push([node, createGraph ? g : g.snapshot()]);
  });
  // a change of state: inside compile, a step of the program, where a gradient is written, not added
  effect(
    (staged) => {
      if (staged) for (const [node] of kept) if (node.adjoint !== null) throw wouldAdd(node);
      withGradMode(createGraph, () => {
        for (const [node, g] of kept) node.adjoint = node.adjoint === null ? g : node.adjoint.add(g);
      });
    },
    kept.map(([, g]) => g),
  );
}

function wouldAdd<N extends Node<N>>(node: N): Error {
  const what = node.label === '' ? `a tensor of shape ${formatShape(node.shape)}` : `'${node.label}'`;
  return new Error(
    `compile: backward() would add to the gradient that ${what} already holds, and a compiled program ` +
      'writes gradients, it does not add them; call zeroGrad() (or optimizer.zeroGrad()) inside the ' +
      'compiled function, before backward()',
  );
}

/** Every node's adjoint ∂root/∂node for the seed, without touching any `.adjoint`: what `toDot` shows. */
export function allAdjoints<N extends Node<N>>(root: N, seed: N): Map<N, N> {
  const found = new Map<N, N>();
  if (root.requiresGrad) sweep(root, seed, false, (node, g) => found.set(node, g));
  return found;
}

/**
 * The adjoints of `inputs` in `root`'s graph, without touching any `.adjoint`: the core of `grad`.
 * An input that `root` does not depend on gets `null`.
 */
export function gradients<N extends Node<N>>(
  root: N,
  seed: N,
  inputs: readonly N[],
  createGraph: boolean,
): (N | null)[] {
  const found = new Map<N, N>();
  const wanted = new Set(inputs);
  if (root.requiresGrad) {
    sweep(root, seed, createGraph, (node, g) => {
      if (wanted.has(node)) found.set(node, g);
    });
  }
  return inputs.map((input) => found.get(input) ?? null);
}

/**
 * The sweep of `sweep`, on plain numbers: when nothing is recorded, a scalar graph's adjoints live in a
 * Float64Array and each rule's numeric vjp (traced from its generic one, see numeric.ts) computes the
 * contributions, so no node is made but for the leaves' gradients, which `commit` adds once the sweep is
 * done (all or nothing, as `backward`). It visits the nodes in the order of `topoSort` and sums the
 * contributions in the order `sweep` does, so the bits match (a property test holds it), but reads each
 * node's inputs from its fields and finds an input's adjoint at its `sortIndex`: no array per node, no
 * edge list. Returns false, having touched nothing, if some rule (a custom op's) has no numeric vjp.
 */
export function backwardNumeric<N extends NumericNode<N>>(
  root: N,
  seed: number,
  commit: (node: N, g: number) => void,
): boolean {
  const sorted = scalarOrder(root);
  if (sorted === null) return false;
  const { order, vjps } = sorted;
  const adjoints = new Float64Array(order.length);
  const reached = new Uint8Array(order.length);
  const kept: number[] = [];
  adjoints[order.length - 1] = seed;
  reached[order.length - 1] = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    if (reached[i] === 0) continue;
    const node = order[i]!;
    const g = adjoints[i]!;
    const numeric = vjps[i]!;
    if (numeric === LEAF || node.retainsGrad) kept.push(i);
    if (numeric === LEAF) continue;
    for (let j = 0; j < numeric.length; j++) {
      const input = inputOf(node, j)!;
      const vjp = numeric[j]!;
      if (typeof input === 'number' || !input.requiresGrad || vjp === null) continue;
      const at = input.sortIndex;
      const contribution = vjp(g, node);
      if (reached[at] === 0) {
        adjoints[at] = contribution;
        reached[at] = 1;
      } else {
        adjoints[at] = adjoints[at]! + contribution;
      }
    }
  }
  for (const i of kept) commit(order[i]!, adjoints[i]!);
  return true;
}

/** Input `k` of a scalar node (a number operand as the number), or null past its last. */
function inputOf<N extends NumericNode<N>>(node: N, k: number): N | number | null {
  const inputs = node.inputs;
  if (inputs !== null) return k < inputs.length ? inputs[k]! : null;
  return k === 0 ? node.a : k === 1 ? node.b : null;
}

function arity<N extends NumericNode<N>>(node: N): number {
  return node.inputs !== null ? node.inputs.length : node.a === null ? 0 : node.b === null ? 1 : 2;
}

/** What a leaf has in place of numeric vjps. */
const LEAF: readonly null[] = [];

/**
 * `topoSort`'s order (the same nodes, in the same order) for a scalar graph, read from the inputs'
 * fields, without its edge list, and each node's numeric vjps (`LEAF` for a leaf); each node's
 * `sortIndex` is its position. Null if some node's rule has no numeric vjp (a custom op's).
 */
function scalarOrder<N extends NumericNode<N>>(
  root: N,
): { order: N[]; vjps: (readonly (NumericVjp<N> | null)[])[] } | null {
  const order: N[] = [];
  const vjps: (readonly (NumericVjp<N> | null)[])[] = [];
  const stack: N[] = [root];
  const next: number[] = [0];
  let top = 0;
  descend: while (top >= 0) {
    const node = stack[top]!;
    for (let k = next[top]!; ; k++) {
      const input = inputOf(node, k);
      if (input === null) break;
      if (typeof input === 'number' || !input.requiresGrad) continue;
      const at = input.sortIndex;
      if (at < order.length && order[at] === input) continue; // already emitted
      next[top] = k + 1;
      top++;
      stack[top] = input;
      next[top] = 0;
      continue descend;
    }
    top--;
    const rule = node.rule;
    const numeric = rule === null ? LEAF : rule.numeric(arity(node));
    if (numeric === null) return null;
    node.sortIndex = order.length;
    order.push(node);
    vjps.push(numeric);
  }
  return { order, vjps };
}
