/**
 * `@adjoint/autograd/arbitraries`: fast-check arbitraries for property-based tests of derivatives:
 * shapes, broadcastable pairs, tensors and random expression graphs. Needs `fast-check` (a peer dependency).
 *
 * @packageDocumentation
 * @module @adjoint/autograd/arbitraries
 */
import * as fc from 'fast-check';
import { sizeOf } from '../ndarray.js';
import {
  type BinaryName,
  binaryRules,
  type Elementwise,
  LEAKY_SLOPE,
  leakyReluRule,
  type UnaryName,
  unaryRules,
} from '../rules/elementwise.js';
import { Tensor } from '../tensor.js';
import { Value } from '../value.js';

/** Options of the shape arbitraries: ranks and axis sizes (axes are never empty). */
export interface ShapeOptions {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly maxSize?: number;
}

/** Shapes of rank 0 to 4 (by default) with axes of size 1 to 4. */
export function shape(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, maxSize = 4 } = options;
  return fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Two shapes that broadcast together: each is drawn from one full shape by dropping some leading axes
 * and setting some axes to 1, so broadcasting happens on either side, on both, or not at all.
 */
export function broadcastPair(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  const variant = (full: readonly number[]) =>
    fc
      .tuple(
        fc.nat({ max: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      )
      .map(([drop, ones]) => full.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
  return shape(options).chain((full) => fc.tuple(variant(full), variant(full)));
}

/** Tensors of a fixed shape, or of shapes drawn from an arbitrary, with elements from `values` (default [-3, 3]). */
export function tensorOf(
  shapes: readonly number[] | fc.Arbitrary<readonly number[]>,
  values: fc.Arbitrary<number> = fc.double({ min: -3, max: 3, noNaN: true }),
): fc.Arbitrary<Tensor> {
  const drawn = shapes instanceof fc.Arbitrary ? shapes : fc.constant(shapes);
  return drawn.chain((s) => {
    const size = sizeOf(s);
    return fc
      .array(values, { minLength: size, maxLength: size })
      .map((xs) => new Tensor(Float64Array.from(xs), s));
  });
}

/** The ops a random expression graph draws from: every elementwise op of the table. */
export type ExpressionOp = UnaryName | BinaryName | 'sub' | 'leakyRelu';

/**
 * A random expression over leaves of one `shape` ([] for scalars): `inputs` holds each leaf's elements,
 * and step k computes node `inputs.length + k` elementwise from earlier nodes. An argument is a distance back (0 = the node just before), so small numbers make long
 * chains and repeats make shared sub-expressions and diamonds. The output is the sum of every node that
 * no later step uses, so every leaf and step contributes.
 */
export interface ExpressionGraph {
  readonly shape: readonly number[];
  readonly inputs: readonly (readonly number[])[];
  readonly steps: readonly { readonly op: ExpressionOp | string; readonly a: number; readonly b: number }[];
}

/**
 * Your own ops for random expressions, by name (give the names to `expressionGraph`'s `ops`): each a
 * function of one or two nodes of either engine, a `customOp` for instance.
 */
export type CustomOps = Readonly<Record<string, CustomExpressionOp>>;

/** One op of yours in a random expression. */
export interface CustomExpressionOp {
  /** How many nodes it takes: 1 or 2. */
  readonly arity: 1 | 2;
  /** The op, on nodes of either engine (a `customOp` is one). */
  readonly apply: <N extends Elementwise<N>>(...xs: N[]) => N;
}

const UNARY = Object.keys(unaryRules) as UnaryName[];
const BINARY = [...(Object.keys(binaryRules) as BinaryName[]), 'sub'] as const;

/**
 * Random expression graphs over `inputs` leaves (default 3) with up to `maxSteps` ops (default 12); the
 * leaves are scalars unless `shape` gives them a shape (or an arbitrary of shapes).
 */
export function expressionGraph(
  options: {
    readonly inputs?: number;
    readonly maxSteps?: number;
    /** The ops to draw from (default every elementwise op); may name `CustomOps` for compileExpression. */
    readonly ops?: readonly (ExpressionOp | string)[];
    readonly shape?: readonly number[] | fc.Arbitrary<readonly number[]>;
  } = {},
): fc.Arbitrary<ExpressionGraph> {
  const { inputs = 3, maxSteps = 12, shape: shapes = [] } = options;
  const ops = options.ops ?? [...UNARY, ...BINARY, 'leakyRelu'];
  const value = fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });
  const step = fc.record({ op: fc.constantFrom(...ops), a: fc.nat({ max: 64 }), b: fc.nat({ max: 64 }) });
  const drawn = shapes instanceof fc.Arbitrary ? shapes : fc.constant(shapes);
  return drawn.chain((s) => {
    const size = sizeOf(s);
    return fc.record({
      shape: fc.constant(s),
      inputs: fc.array(fc.array(value, { minLength: size, maxLength: size }), {
        minLength: inputs,
        maxLength: inputs,
      }),
      steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
    });
  });
}

/** A random expression fixed at its base point: run it on any engine's leaves. */
export interface CompiledExpression {
  /** What each step computes, after ops outside their domain were replaced: for messages. */
  readonly program: readonly string[];
  <N extends Elementwise<N>>(leaves: readonly N[]): N;
}

interface Resolved {
  readonly op: ExpressionOp | string;
  readonly args: readonly number[];
}

/**
 * Compiles a graph for evaluation. Each op is checked against its domain at the base point (`inputs`,
 * every element),
 * with margins wide enough for a finite-difference step: log and sqrt need x > 0.1, div |b| > 0.1, pow
 * a base > 0.1, exp x < 4, the kinks of relu, leakyRelu, abs, maximum and minimum stay 0.01 away, and
 * no node may exceed 1e3 in size. An op that fails is replaced by tanh of its first argument, so every
 * shrunk case is still a valid one. `custom` gives the ops of yours that the graph names; each is checked
 * only for a finite result of size below 1e3, evaluated on Values.
 */
export function compileExpression(graph: ExpressionGraph, custom: CustomOps = {}): CompiledExpression {
  const values: (readonly number[])[] = [...graph.inputs];
  const steps: Resolved[] = [];
  for (const { op, a, b } of graph.steps) {
    const n = values.length;
    const i = n - 1 - (a % n);
    const j = n - 1 - (b % n);
    const xs = values[i]!;
    const ys = values[j]!;
    const mine = Object.hasOwn(custom, op) ? custom[op]! : null;
    if (mine === null && !isBuiltIn(op))
      throw new RangeError(`compileExpression: the graph uses the op '${op}', which custom does not give`);
    const outs = xs.map((x, e) =>
      mine !== null
        ? mine.apply(...[x, ys[e]!].slice(0, mine.arity).map((v) => new Value(v))).data
        : inDomain(op as ExpressionOp, x, ys[e]!)
          ? evaluate(op as ExpressionOp, x, ys[e]!)
          : Number.NaN,
    );
    const fits = outs.every((out) => Number.isFinite(out) && Math.abs(out) < 1e3);
    const unary = mine !== null ? mine.arity === 1 : isUnary(op as ExpressionOp);
    steps.push(fits ? { op, args: unary ? [i] : [i, j] } : { op: 'tanh', args: [i] });
    values.push(fits ? outs : xs.map(Math.tanh));
  }
  const used = new Set(steps.flatMap((s) => s.args));
  const sinks = values.map((_, k) => k).filter((k) => !used.has(k));
  const program = steps.map(
    (s, k) => `v${graph.inputs.length + k} = ${s.op}(${s.args.map((a) => `v${a}`).join(', ')})`,
  );
  const run = <N extends Elementwise<N>>(leaves: readonly N[]): N => {
    if (leaves.length !== graph.inputs.length) {
      throw new RangeError(`compileExpression: expected ${graph.inputs.length} leaves, got ${leaves.length}`);
    }
    const nodes: N[] = [...leaves];
    for (const { op, args } of steps)
      nodes.push(
        Object.hasOwn(custom, op)
          ? custom[op]!.apply(...args.map((k) => nodes[k]!))
          : apply(
              op as ExpressionOp,
              args.map((k) => nodes[k]!),
            ),
      );
    return sinks.map((k) => nodes[k]!).reduce((total, node) => total.add(node));
  };
  return Object.assign(run, { program });
}

function isBuiltIn(op: string): boolean {
  return op === 'leakyRelu' || op === 'sub' || op in unaryRules || op in binaryRules;
}

/**
 * Tangents (or cotangents) for `args`: for each Tensor one of its shape and dtype, for each Value or
 * number a number, with elements from `values` (default [-1, 1]). What `jvp` and `checkGrads` take.
 */
export function tangentsFor(
  args: readonly (Tensor | Value | number)[],
  values: fc.Arbitrary<number> = fc.double({ min: -1, max: 1, noNaN: true }),
): fc.Arbitrary<(Tensor | number)[]> {
  return fc.tuple(
    ...args.map(
      (x): fc.Arbitrary<Tensor | number> =>
        x instanceof Tensor
          ? fc
              .array(values, { minLength: x.size, maxLength: x.size })
              .map(
                (e) =>
                  new Tensor(x.dtype === 'float32' ? Float32Array.from(e) : Float64Array.from(e), x.shape),
              )
          : values,
    ),
  );
}

function isUnary(op: ExpressionOp | 'tanh'): op is UnaryName | 'leakyRelu' {
  return op === 'leakyRelu' || op in unaryRules;
}

function inDomain(op: ExpressionOp, x: number, y: number): boolean {
  switch (op) {
    case 'log':
    case 'sqrt':
      return x > 0.1;
    case 'exp':
      return x < 4;
    case 'relu':
    case 'leakyRelu':
    case 'abs':
      return Math.abs(x) > 0.01;
    case 'div':
      return Math.abs(y) > 0.1;
    case 'pow':
      return x > 0.1 && Math.abs(y) <= 3;
    case 'maximum':
    case 'minimum':
      return Math.abs(x - y) > 0.01;
    default:
      return true;
  }
}

function evaluate(op: ExpressionOp, x: number, y: number): number {
  if (op === 'leakyRelu') return leakyReluRule.forward(x, LEAKY_SLOPE);
  if (op === 'sub') return x - y;
  if (op in unaryRules) return unaryRules[op as UnaryName].forward(x);
  return binaryRules[op as BinaryName].forward(x, y);
}

function apply<N extends Elementwise<N>>(op: ExpressionOp | 'tanh', [x, y]: N[]): N {
  if (op === 'leakyRelu') return x!.leakyRelu(LEAKY_SLOPE);
  if (op in unaryRules) return x![op as UnaryName]();
  return x![op as BinaryName | 'sub'](y!);
}
