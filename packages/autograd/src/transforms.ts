// JAX's forward-mode transforms on the recorded graph: jvp and linearize push tangents forward
// (forward.ts), jacfwd and jacrev build whole Jacobians a column or a row at a time, and hessian and
// hvp compose them with grad. Each composes with grad, with itself and with compile, to any order.
import { diagonalJvp, pushForward, pushForwardNumbers } from './forward.js';
import { asInput, type Differentiable, grad, isNode, type Lifted, zerosLike } from './functional.js';
import { gradients, isGradEnabled, type Jvp, type NodeRule, withGradMode } from './graph.js';
import { stack } from './ops/join.js';
import { describe, formatShape, ShapeError, sameShape } from './shape.js';
import { filled, filledLike, Tensor } from './tensor.js';
import { toValue, Value } from './value.js';

/** What a transformed function may return: a node, a number (a constant), or an array of them. */
export type Output = Differentiable | number | readonly (Differentiable | number)[];

/** The tangent of an output: a Tensor's is a Tensor of its shape and dtype; a Value's or a number's, a Value. */
export type TangentOf<R> = R extends Tensor
  ? Tensor
  : R extends Value | number
    ? Value
    : R extends readonly unknown[]
      ? { -readonly [K in keyof R]: TangentOf<R[K]> }
      : never;

/** One tangent per primal: for a Tensor, a Tensor of its shape and dtype; for a Value, a Value or a number. */
export type Tangents<A extends readonly unknown[]> = {
  [K in keyof A]: A[K] extends Tensor ? Tensor : Value | number;
};

/**
 * JAX's `jvp`: `[f(...primals), J·tangents]`, the output and its directional derivative along
 * `tangents` (one per primal), in one forward pass and one forward sweep of the recorded graph. For
 * `f(x) = sin(x)·x`, `jvp(f, [x], [1])` gives `[sin(x)·x, cos(x)·x + sin(x)]`. Given nodes that require
 * grad, the tangents stay in their graph: `grad` of a jvp, and `jvp` of a `grad` (a Hessian-vector
 * product), both work.
 */
export function jvp<A extends Differentiable[], R extends Output>(
  f: (...args: A) => R,
  primals: Readonly<Lifted<A>>,
  tangents: Readonly<Tangents<A>>,
): [R, TangentOf<R>] {
  if (!Array.isArray(primals))
    throw new TypeError(`jvp: expected primals to be an array, got ${describe(primals)}`);
  const [output, push] = linearized('jvp', f, primals as Lifted<A>);
  return [output, push(tangents as Tangents<A>)];
}

/**
 * JAX's `linearize`: `[f(...primals), fJvp]`, where `fJvp(...tangents)` is `J·tangents` at those primals.
 * `f` runs once; each call of `fJvp` is one forward sweep of the graph it recorded, the cheap way to
 * push many tangents through one point.
 */
export function linearize<A extends Differentiable[], R extends Output>(
  f: (...args: A) => R,
  ...primals: Lifted<A>
): [R, (...tangents: Tangents<A>) => TangentOf<R>] {
  const [output, push] = linearized('linearize', f, primals);
  return [output, (...tangents) => push(tangents)];
}

/** Records `f` at `primals` once; returns its output and the push of a list of tangents through it. */
function linearized<A extends Differentiable[], R extends Output>(
  op: string,
  f: (...args: A) => R,
  primals: Lifted<A>,
): [R, (tangents: Tangents<A>) => TangentOf<R>] {
  if (typeof f !== 'function') throw new TypeError(`${op}: expected f to be a function, got ${describe(f)}`);
  const outer = primals.some((p) => isNode(p) && p.requiresGrad);
  primals.forEach((p, i) => {
    if (!(isNode(p) || typeof p === 'number'))
      throw new TypeError(`${op}: primal ${i} is ${describe(p)}, expected a Tensor, a Value or a number`);
  });
  // recorded even inside noGrad: the inputs are what the tangents start from
  const inputs = withGradMode(true, () => primals.map(asInput));
  const output = withGradMode(true, () => f(...(inputs as A)));
  const outputs = (Array.isArray(output) ? output : [output]) as readonly unknown[];
  outputs.forEach((o, i) => {
    if (!(isNode(o) || typeof o === 'number'))
      throw new TypeError(
        `${op}: f returned ${describe(o)}${Array.isArray(output) ? ` at position ${i}` : ''}; expected a Tensor, a Value, a number or an array of them`,
      );
  });
  const nodes = outputs as readonly (Differentiable | number)[];
  const push = (tangents: Tangents<A>): TangentOf<R> => {
    const seeds = checkTangents(op, tangents, inputs);
    const createGraph = isGradEnabled() && (outer || seeds.some((t) => t.requiresGrad));
    const found = tangentsOf(nodes, inputs, seeds, createGraph);
    return (Array.isArray(output) ? found : found[0]) as TangentOf<R>;
  };
  const result = outer || !isGradEnabled() ? output : detached(output);
  return [result as R, push];
}

/** The tangents of `outputs` for `seeds` at `inputs`: zeros where none reaches, numbers where it can. */
function tangentsOf(
  outputs: readonly (Differentiable | number)[],
  inputs: readonly Differentiable[],
  seeds: readonly Differentiable[],
  createGraph: boolean,
): Differentiable[] {
  const nodes = outputs.map((o) => (typeof o === 'number' ? toValue(o, 'jvp') : o));
  // a scalar program with nothing to record runs on plain numbers: dual numbers
  if (!createGraph && nodes.every((n) => n instanceof Value) && inputs.every((x) => x instanceof Value)) {
    const numbers = pushForwardNumbers(
      nodes as Value[],
      new Map(inputs.map((x, i) => [x as Value, (seeds[i] as Value).data])),
    );
    if (numbers !== null) return numbers.map((t) => toValue(t, 'jvp'));
  }
  // each engine's graph on its own: a Value and a Tensor never share one
  const found = new Map<Differentiable, Differentiable | null>();
  const tensors = nodes.filter((n) => n instanceof Tensor);
  const tensorSeeds = new Map(
    inputs.flatMap((x, i) => (x instanceof Tensor ? [[x, seeds[i] as Tensor]] : [])),
  );
  pushForward(tensors, tensorSeeds, createGraph, transposedJvp).forEach((t, i) => {
    found.set(tensors[i]!, t);
  });
  const values = nodes.filter((n) => n instanceof Value);
  const valueSeeds = new Map(inputs.flatMap((x, i) => (x instanceof Value ? [[x, seeds[i] as Value]] : [])));
  pushForward(values, valueSeeds, createGraph, scalarJvp).forEach((t, i) => {
    found.set(values[i]!, t);
  });
  return nodes.map((n) => found.get(n) ?? zerosLike(n));
}

/** The jvp of a scalar op that states none (a custom op's): its Jacobian is diagonal. */
function scalarJvp(rule: NodeRule<Value>): Jvp<Value> {
  return diagonalJvp(rule.vjp, (dx) => dx);
}

/**
 * @internal The jvp of a Tensor op known only by its vjp (a custom op's): u ↦ vjp(u) is Jᵀu, so ⟨vjp(u), ẋ⟩ =
 * ⟨u, J ẋ⟩ and its gradient in u is ẏ = J ẋ, the same at any u (it is linear in u): taken at u = 0.
 */
export function transposedJvp(rule: NodeRule<Tensor>, createGraph: boolean): Jvp<Tensor> {
  return (dxs, y, inputs) => {
    const u = filledLike(y, y.shape, 0);
    u.requiresGrad = true;
    const inner = withGradMode(true, () => {
      let sum: Tensor | null = null;
      rule.vjp(u, y, inputs).forEach((g, i) => {
        const dx = dxs[i];
        if (g === null || g === undefined || dx === null || dx === undefined) return;
        const term = g.mul(dx).sum();
        sum = sum === null ? term : sum.add(term);
      });
      return sum as Tensor | null;
    });
    if (inner === null) return null; // no input with a tangent gets a gradient: none of them moves y
    const [t] = inner.requiresGrad ? gradients(inner, filledLike(inner, [], 1), [u], createGraph) : [null];
    if (t === null || t === undefined) {
      throw new Error(
        `jvp of ${rule.name}: its vjp does not depend on the gradient it is given as a Tensor op would, so ` +
          'forward mode cannot transpose it; write the vjp with Tensor ops (not by reading .data)',
      );
    }
    return t;
  };
}

/** The tangents as nodes, one per input, each of its input's kind, shape and dtype. */
function checkTangents(op: string, tangents: unknown, inputs: readonly Differentiable[]): Differentiable[] {
  if (!Array.isArray(tangents))
    throw new TypeError(`${op}: expected tangents to be an array, got ${describe(tangents)}`);
  if (tangents.length !== inputs.length)
    throw new RangeError(
      `${op}: expected ${inputs.length} tangent(s), one per primal, got ${tangents.length}`,
    );
  return inputs.map((x, i) => {
    const t: unknown = tangents[i];
    if (x instanceof Value) {
      if (t instanceof Value || typeof t === 'number') return toValue(t, `${op} (tangent ${i})`);
      throw new TypeError(
        `${op}: tangent ${i} is ${describe(t)}; its primal is a Value, so expected a Value or a number`,
      );
    }
    const primal = x as Tensor;
    if (!(t instanceof Tensor))
      throw new TypeError(
        `${op}: tangent ${i} is ${describe(t)}; its primal is a Tensor, so expected a Tensor`,
      );
    if (!sameShape(t.shape, primal.shape))
      throw new ShapeError(
        `${op}: tangent ${i} has shape ${formatShape(t.shape)}, its primal ${formatShape(primal.shape)}`,
      );
    if (t.dtype !== primal.dtype)
      throw new TypeError(`${op}: tangent ${i} is ${t.dtype}, its primal ${primal.dtype}`);
    return t;
  });
}

/** The output as constants, when no graph of the caller's needs it. */
function detached<R extends Output>(output: R): R {
  const one = (o: Differentiable | number) =>
    o instanceof Tensor ? o.detach() : o instanceof Value ? toValue(o.data, 'jvp') : o;
  return (Array.isArray(output) ? output.map(one) : one(output as Differentiable | number)) as R;
}

/**
 * JAX's `hvp` recipe, forward over reverse: H·v, the Hessian of the scalar `f` (with respect to its first
 * argument) times `tangents`, as `jvp(grad(f), primals, tangents)[1]`: two passes, no Hessian built.
 */
export function hvp<A extends Differentiable[]>(
  f: (...args: A) => Differentiable | number,
  primals: Readonly<Lifted<A>>,
  tangents: Readonly<Tangents<A>>,
): A[0] {
  const gradient = grad(f) as unknown as (...args: A) => Differentiable;
  return jvp(gradient, primals, tangents)[1] as A[0];
}

/** A Jacobian: ∂output/∂argument, shaped output.shape ++ argument.shape (a Value for scalars). */
export type Jacobian<X> = X extends Tensor ? Tensor : Value;

/**
 * JAX's `jacfwd`: the Jacobian of `f` with respect to argument `argnums`, one forward sweep per element of
 * that argument (cheaper than `jacrev` when the argument has fewer elements than the output). Shaped
 * `[...output.shape, ...argument.shape]`; for a Value argument, a Value.
 */
export function jacfwd<A extends Differentiable[]>(
  f: (...args: A) => Differentiable | number,
  argnums = 0,
): (...args: Lifted<A>) => Jacobian<A[number]> {
  checkArgnums('jacfwd', f, argnums);
  return (...args) => {
    const x = argumentAt('jacfwd', args, argnums);
    const at = (xi: Differentiable) => f(...(args.map((a, i) => (i === argnums ? xi : a)) as A));
    const [output, pushAt] = linearize(at, x as Differentiable);
    const push = pushAt as (tangent: Differentiable) => Differentiable;
    if (!(x instanceof Tensor)) return push(toValue(1, 'jacfwd')) as Jacobian<A[number]>;
    const y = asTensorOutput('jacfwd', output);
    const columns = basis(x as Tensor).map((e) => push(e) as Tensor);
    return stack(columns, y.ndim).reshape([...y.shape, ...x.shape]) as Jacobian<A[number]>;
  };
}

/**
 * JAX's `jacrev`: the Jacobian of `f` with respect to argument `argnums`, one reverse sweep per element of
 * the output (cheaper than `jacfwd` when the output has fewer elements). Shaped like `jacfwd`'s.
 */
export function jacrev<A extends Differentiable[]>(
  f: (...args: A) => Differentiable | number,
  argnums = 0,
): (...args: Lifted<A>) => Jacobian<A[number]> {
  checkArgnums('jacrev', f, argnums);
  return (...args) => {
    const x = argumentAt('jacrev', args, argnums);
    if (!(x instanceof Tensor)) {
      return (grad(f, argnums) as (...a: unknown[]) => unknown)(...args) as Jacobian<A[number]>;
    }
    const createGraph = isGradEnabled() && x.requiresGrad;
    return withGradMode(true, () => {
      const input = asInput(x) as Tensor;
      const y = asTensorOutput('jacrev', f(...(args.map((a, i) => (i === argnums ? input : a)) as A)));
      const rows = basis(y).map((seed) => {
        const [row] = y.requiresGrad ? gradients(y, seed, [input], createGraph) : [null];
        return row ?? filledLike(x, x.shape, 0);
      });
      const jacobian = stack(rows).reshape([...y.shape, ...x.shape]);
      return (createGraph ? jacobian : jacobian.detach()) as Jacobian<A[number]>;
    });
  };
}

/** JAX's `hessian`: `jacfwd(jacrev(f))`, the matrix of second derivatives, shaped x.shape ++ x.shape. */
export function hessian<A extends Differentiable[]>(
  f: (...args: A) => Differentiable | number,
  argnums = 0,
): (...args: Lifted<A>) => Jacobian<A[number]> {
  checkArgnums('hessian', f, argnums);
  return jacfwd(jacrev(f, argnums) as unknown as (...args: A) => Differentiable, argnums);
}

function checkArgnums(op: string, f: unknown, argnums: unknown): void {
  if (typeof f !== 'function') throw new TypeError(`${op}: expected f to be a function, got ${describe(f)}`);
  if (!Number.isInteger(argnums) || (argnums as number) < 0)
    throw new RangeError(`${op}: expected argnums to be a non-negative integer, got ${describe(argnums)}`);
}

function argumentAt(op: string, args: readonly unknown[], argnums: number): Differentiable | number {
  if (argnums >= args.length)
    throw new RangeError(
      `${op}: argnums ${argnums} is out of range for a call with ${args.length} argument(s)`,
    );
  const x = args[argnums];
  if (!(isNode(x) || typeof x === 'number'))
    throw new TypeError(
      `${op}: argument ${argnums} is ${describe(x)}, expected a Tensor, a Value or a number`,
    );
  return x;
}

/** The output of `f` for a Tensor argument: a Tensor (a number is a rank-0 constant). */
function asTensorOutput(op: string, y: unknown): Tensor {
  if (y instanceof Tensor) return y;
  if (typeof y === 'number') return filled([], y);
  throw new TypeError(`${op}: f returned ${describe(y)} for a Tensor argument; expected a Tensor`);
}

/** The standard basis of `x`'s space: one tensor of its shape and dtype per element, 1 there and 0 elsewhere. */
function basis(x: Tensor): Tensor[] {
  return Array.from({ length: x.size }, (_, j) => {
    const data = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size);
    data[j] = 1;
    return new Tensor(data, x.shape);
  });
}
