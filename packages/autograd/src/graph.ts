// The engine: graph.ts sweeps the graph that value.ts and tensor.ts record, with the rules of rules/;
// functional, custom, anomaly and dot build on them. graph.ts imports no node type: Node states its needs.
import { anomaly, isAnomalyEnabled, withAnomalyPaused } from './anomaly.js';
import { sideEffect } from './run.js';
import { callSynchronously, Mode } from './scope.js';
import { checkOptions, formatShape, ShapeError, sameShape } from './shape.js';

/**
 * An op's vector-Jacobian product at one node: given the adjoint `g` of its output `y`, one gradient per
 * input, already shaped like that input, or `null` for an input that needs none.
 */
export type Vjp<N> = (g: N, y: N, inputs: readonly N[]) => readonly (N | null)[];

/**
 * An op's Jacobian-vector product at one node: given its inputs' tangents (null for an input that has
 * none), the output's tangent ẏ = Σᵢ (∂y/∂xᵢ) ẋᵢ, or null when no tangent reaches it.
 */
export type Jvp<N> = (tangents: readonly (N | null)[], y: N, inputs: readonly N[]) => N | null;

/**
 * The rule a recorded node carries: its op's name and vjp, with the op's attributes already bound, and
 * its jvp where the op states one (forward.ts derives the rest from the vjp).
 */
export interface NodeRule<N> {
  readonly name: string;
  readonly vjp: Vjp<N>;
  readonly jvp?: Jvp<N>;
}

/** What the backward pass needs of a graph node. `Value` and `Tensor` are both one. */
export interface Node<N extends Node<N>> {
  /** The inputs of the op that made this node; empty for leaves and for nodes made without recording. */
  readonly parents: readonly N[];
  /**
   * Input `k` of the op that made this node, without making an array: a number operand (a Value's
   * `x.mul(2)` keeps the 2) as the number, null past the last input. What the sort walks.
   */
  inputAt(k: number): N | number | null;
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

/** A scalar node whose rule can also differentiate on plain numbers: what the numeric pullback needs. */
export interface NumericNode<N extends NumericNode<N>> extends Node<N> {
  readonly data: number;
  readonly rule: (NodeRule<N> & { numeric(arity: number): readonly (NumericVjp<N> | null)[] | null }) | null;
}

/** Options of `backward`. */
export interface BackwardOptions {
  /** Record the backward pass itself, so the adjoints can be differentiated again. */
  readonly createGraph?: boolean;
}

/**
 * The arguments of `backward(seed?, options?)`, where `backward(options)` leaves the seed out: the seed
 * given (undefined for the default) and whether to record the pass, with the options checked.
 */
export function backwardArgs<S>(
  seed: S | BackwardOptions | undefined,
  options: BackwardOptions,
  isSeed: (x: unknown) => x is S,
): [S | undefined, boolean] {
  const [given, opts] =
    typeof seed === 'object' && seed !== null && !isSeed(seed)
      ? [undefined, seed]
      : [seed as S | undefined, options];
  checkOptions('backward', opts, ['createGraph']);
  return [given, opts.createGraph ?? false];
}

const gradMode = new Mode(true);

/** Whether ops record the graph right now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradMode.value;
}

/** Runs `fn` with recording switched on or off, and restores the previous mode even if `fn` throws. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  return gradMode.with(enabled, () => callSynchronously('noGrad', 'the no-grad mode', fn));
}

/** Runs `fn` without recording: nothing computed inside joins a graph. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * The nodes reachable from `root` through inputs that `follow` accepts, each after all of its inputs;
 * each node's `sortIndex` is its position. A loop with an explicit stack, not recursion, so a graph a
 * million nodes deep cannot overflow the stack. Instead of a Set, a node's position counts only if the
 * order holds the node there, so an index left over from another sort is never mistaken for this one.
 */
export function topoSort<N extends Node<N>>(
  root: N,
  follow: (node: N) => boolean = requiresGrad,
  stop: ((node: N) => boolean) | null = null,
): N[] {
  return sortNodes(root, follow, stop);
}

/**
 * @internal The sort; a node that `stop` accepts is kept but not looked into, as if it were a leaf.
 * `saved`, if given, receives each node's previous `sortIndex`, in the order's order.
 */
export function sortNodes<N extends Node<N>>(
  root: N,
  follow: (node: N) => boolean,
  stop: ((node: N) => boolean) | null = null,
  saved: number[] | null = null,
): N[] {
  const order: N[] = [];
  // the path from the root down to the node being expanded, and for each the next input to look at
  const stack: N[] = [root];
  const next: number[] = [0];
  let top = 0;
  descend: while (top >= 0) {
    const node = stack[top]!;
    const expand = stop === null || !stop(node);
    for (let k = next[top]!; expand; k++) {
      const input = node.inputAt(k);
      if (input === null) break;
      if (typeof input === 'number' || !follow(input)) continue;
      const at = input.sortIndex;
      if (at < order.length && order[at] === input) continue; // already emitted
      // not yet emitted, and not on the path either: in a DAG no node is its own ancestor
      next[top] = k + 1;
      top++;
      stack[top] = input;
      next[top] = 0;
      continue descend;
    }
    top--;
    saved?.push(node.sortIndex);
    node.sortIndex = order.length;
    order.push(node);
  }
  return order;
}

/** @internal Whether a node takes part in a backward pass. */
export function requiresGrad(node: { readonly requiresGrad: boolean }): boolean {
  return node.requiresGrad;
}

/**
 * The adjoints of a sorted graph's nodes by position, for either kind of cotangent: numbers (kept in a
 * Float64Array, so a sweep of plain numbers makes no object per node) or nodes. `add` is the one place
 * an adjoint accumulates: the first contribution a node receives is kept as it is, later ones are added.
 */
export class Adjoints<C extends number | { add(other: C): C }> {
  readonly #reached: Uint8Array;
  readonly #numbers: Float64Array;
  readonly #nodes: (C | undefined)[];

  constructor(size: number, numbers: boolean) {
    this.#reached = new Uint8Array(size);
    this.#numbers = new Float64Array(numbers ? size : 0);
    this.#nodes = numbers ? [] : new Array<C | undefined>(size);
  }

  /** The number adjoints by position (empty for node adjoints): what the number path leaves its nodes. */
  get numbers(): Float64Array {
    return this.#numbers;
  }

  /** Whether position `i` has received an adjoint. */
  reached(i: number): boolean {
    return this.#reached[i] === 1;
  }

  /** Adds `c` into the adjoint at position `i`. */
  add(i: number, c: C): void {
    const first = this.#reached[i] === 0;
    this.#reached[i] = 1;
    if (typeof c === 'number') this.#numbers[i] = first ? c : this.#numbers[i]! + c;
    else this.#nodes[i] = first ? c : (this.#nodes[i] as Exclude<C, number>).add(c);
  }

  /** The adjoint at position `i`, let go of here (a node's can be collected once the sweep moves on). */
  take(i: number): C {
    if (this.#numbers.length > 0) return this.#numbers[i] as C;
    const c = this.#nodes[i]!;
    this.#nodes[i] = undefined;
    return c;
  }
}

/** How a node passes its finished adjoint `g` on: each input's share added at the input's position. */
export type Pullback<N, C extends number | { add(other: C): C }> = (
  node: N,
  g: C,
  adjoints: Adjoints<C>,
) => void;

/**
 * The reverse sweep, the one loop that backpropagates on either engine: from the root (last in `order`)
 * back, each node reached hands `visit` its finished adjoint, then `pullback` sends it on to its inputs.
 * Its cotangent is a node (differentiable, and on Tensors an array) or a plain number (the scalar fast path).
 */
export function sweep<N, C extends number | { add(other: C): C }>(
  order: readonly N[],
  seed: C,
  adjoints: Adjoints<C>,
  pullback: Pullback<N, C>,
  visit: (node: N, g: C) => void,
): void {
  adjoints.add(order.length - 1, seed);
  for (let i = order.length - 1; i >= 0; i--) {
    if (!adjoints.reached(i)) continue; // every path from the root to this node carries no gradient
    const node = order[i]!;
    const g = adjoints.take(i);
    visit(node, g);
    pullback(node, g, adjoints);
  }
}

/**
 * The pullback of a node through its rule's vjp: one gradient per input, checked for its count and
 * shape (and, in anomaly mode, for finite values), each added at its input's position.
 */
function pullThroughRule<N extends Node<N>>(node: N, g: N, adjoints: Adjoints<N>): void {
  const rule = node.rule;
  if (rule === null) return;
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
  for (let j = 0; j < parents.length; j++) {
    const gj = grads[j];
    if (gj === null || gj === undefined) continue;
    if (isAnomalyEnabled() && !gj.allFinite())
      throw anomaly('backward', rule.name, node, `the gradient for input ${j}`);
    const parent = parents[j]!;
    if (!parent.requiresGrad) continue;
    if (!sameShape(gj.shape, parent.shape)) {
      throw new ShapeError(
        `vjp of ${rule.name}: gradient for input ${j} has shape ${formatShape(gj.shape)}, input has ${formatShape(parent.shape)}`,
      );
    }
    adjoints.add(parent.sortIndex, gj);
  }
}

/** The sweep over `root`'s graph with node cotangents, inside the grad mode `createGraph` asks for. */
function sweepNodes<N extends Node<N>>(
  root: N,
  seed: N,
  createGraph: boolean,
  visit: (node: N, adjoint: N) => void,
  stop: ((node: N) => boolean) | null = null,
): void {
  withGradMode(createGraph, () => {
    if (stop === null) {
      const order = topoSort(root);
      return sweep(order, seed, new Adjoints<N>(order.length, false), pullThroughRule, visit);
    }
    // a sweep inside another's vjp (vmap's): the nodes it shares with the outer sweep get their positions back
    const saved: number[] = [];
    const order = sortNodes(root, requiresGrad, stop, saved);
    try {
      const pullback: Pullback<N, N> = (node, g, adjoints) =>
        stop(node) || pullThroughRule(node, g, adjoints);
      sweep(order, seed, new Adjoints<N>(order.length, false), pullback, visit);
    } finally {
      order.forEach((node, i) => {
        node.sortIndex = saved[i]!;
      });
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
  // inside compile, before the sweep's kernels write a gradient's buffer: a call that would add to a
  // gradient is refused with nothing changed (the leaves are found once, when the program is traced)
  let leaves: N[] | null = null;
  sideEffect((staged) => {
    if (!staged) return;
    leaves ??= topoSort(root).filter((node) => node.rule === null || node.retainsGrad);
    for (const node of leaves) if (node.adjoint !== null) throw wouldAdd(node);
  });
  const kept: [N, N][] = [];
  sweepNodes(root, seed, createGraph, (node, g) => {
    if (node.rule === null || node.retainsGrad) kept.push([node, createGraph ? g : g.snapshot()]);
  });
  // a change of state: inside compile, a step of the program, where a gradient is written, not added
  sideEffect(
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
  if (root.requiresGrad) sweepNodes(root, seed, false, (node, g) => found.set(node, g));
  return found;
}

/**
 * The adjoints of `inputs` in `root`'s graph, without touching any `.adjoint`: the core of `grad`.
 * An input that `root` does not depend on gets `null`. With `stop`, the sweep ends at the inputs: what
 * lies below them is not visited (vmap's boundary).
 */
export function gradients<N extends Node<N>>(
  root: N,
  seed: N,
  inputs: readonly N[],
  createGraph: boolean,
  stopAtInputs = false,
): (N | null)[] {
  const found = new Map<N, N>();
  const wanted = new Set(inputs);
  if (root.requiresGrad) {
    const visit = (node: N, g: N) => {
      if (wanted.has(node)) found.set(node, g);
    };
    sweepNodes(root, seed, createGraph, visit, stopAtInputs ? (node) => wanted.has(node) : null);
  }
  return inputs.map((input) => found.get(input) ?? null);
}
