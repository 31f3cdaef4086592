/**
 * The graph view model: a program evaluated on adjoint's Values, one node per value the learner wrote
 * (each input, each constant, each operation), with its value and its bar (its adjoint, ∂output/∂node)
 * as adjoint computes them, and the backward pass as steps: in reverse topological order, each node
 * sends bar × (local derivative) to each of its inputs, which add up what they receive.
 */
import { Value } from '@adjoint/autograd';
import { type Expr, type FunctionName, type Program, parse } from './parser.js';

/** An operation a node applies to its inputs. */
export type Op = 'input' | 'const' | '+' | '-' | '*' | '/' | '^' | 'neg' | FunctionName;

/** One node: its value, its bar after the whole backward pass, and its inputs (an input used twice appears twice). */
export interface GraphNode {
  readonly id: number;
  readonly op: Op;
  /** The name it was given (an input's name, or `name = …`), or null. */
  readonly name: string | null;
  readonly value: number;
  readonly bar: number;
  readonly inputs: readonly number[];
  /** ∂node/∂input for each input edge, evaluated here (empty for an input or a constant). */
  readonly local: readonly number[];
}

/** One step of the backward pass: `node`'s vjp runs and sends `amounts[k]` along its k-th input edge. */
export interface BackwardStep {
  readonly node: number;
  /** ∂node/∂input for each input edge, evaluated here. */
  readonly local: readonly number[];
  /** bar(node) × local[k]: what the k-th input receives. */
  readonly amounts: readonly number[];
  /** Every node's bar once this step has run (the output's starts at 1, the rest at 0). */
  readonly bars: readonly number[];
}

/** A program's graph and its backward pass. */
export interface GraphModel {
  readonly nodes: readonly GraphNode[];
  readonly output: number;
  /** The inputs by name, in the program's order. */
  readonly inputs: readonly { readonly name: string; readonly id: number }[];
  readonly steps: readonly BackwardStep[];
  /**
   * Where a NaN or an infinity first arises: the first node, in the order the program computes them,
   * whose value is not finite while its inputs' values are. Null when every value is finite.
   */
  readonly firstNonFinite: number | null;
}

/** The rule each op applies, in the words of docs/derivations.md: ȳ is the node's bar, the inputs a and b. */
export const RULES: Record<Exclude<Op, 'input' | 'const'>, string> = {
  '+': 'y = a + b: ā += ȳ, b̄ += ȳ (a sum passes its bar to each term)',
  '-': 'y = a − b: ā += ȳ, b̄ −= ȳ',
  '*': 'y = a·b: ā += ȳ·b, b̄ += ȳ·a (each factor gets the other)',
  '/': 'y = a / b: ā += ȳ / b, b̄ −= ȳ·a / b²',
  '^': 'y = aᵇ: ā += ȳ·b·aᵇ⁻¹, b̄ += ȳ·aᵇ·ln a',
  neg: 'y = −a: ā −= ȳ',
  tanh: 'y = tanh a: ā += ȳ·(1 − y²)',
  sigmoid: 'y = σ(a): ā += ȳ·y·(1 − y) (note 000 eq. 9)',
  relu: 'y = relu a: ā += ȳ where a ≥ 0, else nothing (relu′(0) = 1, note 000 eq. 11)',
  exp: 'y = eᵃ: ā += ȳ·y',
  log: 'y = ln a: ā += ȳ / a',
  sin: 'y = sin a: ā += ȳ·cos a',
  cos: 'y = cos a: ā −= ȳ·sin a',
  sqrt: 'y = √a: ā += ȳ / (2y)',
  abs: 'y = |a|: ā += ȳ·sign a (0 at a = 0)',
  softplus: 'y = ln(1 + eᵃ): ā += ȳ·σ(a)',
};

/** Applies an op to Values, as adjoint's Value methods do. */
function apply(op: Exclude<Op, 'input' | 'const'>, args: readonly Value[]): Value {
  const [a, b] = args as [Value, Value];
  switch (op) {
    case '+':
      return a.add(b);
    case '-':
      return a.sub(b);
    case '*':
      return a.mul(b);
    case '/':
      return a.div(b);
    case '^':
      return a.pow(b);
    case 'neg':
      return a.neg();
    default:
      return a[op]();
  }
}

/** What `evaluateProgram` tells as it goes: each constant and operation as it is made, each assignment. */
export interface EvaluationHooks {
  readonly made?: (op: Op, value: Value, args: readonly Value[]) => void;
  readonly assigned?: (name: string, value: Value) => void;
}

/** The program's output computed from the inputs `leaves` (Values in the order of `program.leaves`). */
export function evaluateProgram(
  program: Program,
  leaves: readonly Value[],
  hooks: EvaluationHooks = {},
): Value {
  const named = new Map(program.leaves.map((name, i) => [name, leaves[i]!]));
  // an explicit stack, not recursion: a sum of 10⁵ terms is a tree 10⁵ deep
  const evaluate = (root: Expr): Value => {
    const results: Value[] = [];
    const stack: { expr: Expr; visited: boolean }[] = [{ expr: root, visited: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      const expr = top.expr;
      if (expr.kind === 'number') {
        const value = new Value(expr.value);
        hooks.made?.('const', value, []);
        results.push(value);
      } else if (expr.kind === 'name') {
        results.push(named.get(expr.name)!); // the parser saw every name assigned or made it a leaf
      } else if (!top.visited) {
        stack.push({ expr, visited: true });
        // the operands in order: the left one is evaluated (and its nodes made) first
        const operands = expr.kind === 'binary' ? [expr.left, expr.right] : [expr.arg];
        for (let i = operands.length - 1; i >= 0; i--) stack.push({ expr: operands[i]!, visited: false });
      } else {
        const args = results.splice(results.length - (expr.kind === 'binary' ? 2 : 1));
        const op = expr.kind === 'binary' ? expr.op : expr.kind === 'neg' ? ('neg' as const) : expr.fn;
        const value = apply(op, args);
        hooks.made?.(op, value, args);
        results.push(value);
      }
    }
    return results[0]!;
  };
  let output: Value | undefined;
  for (const statement of program.statements) {
    output = evaluate(statement.expr);
    if (statement.name !== null) {
      named.set(statement.name, output);
      hooks.assigned?.(statement.name, output);
    }
  }
  return output!;
}

/**
 * Evaluates `source` (or a parsed program) with the inputs' `values` (an input not given is 1) and runs
 * adjoint's backward pass from the last statement. Throws a ParseError for bad source.
 */
export function buildGraph(
  source: string | Program,
  values: Readonly<Record<string, number>> = {},
): GraphModel {
  const program = typeof source === 'string' ? parse(source) : source;
  const nodes: { op: Op; name: string | null; value: Value; inputs: number[] }[] = [];
  const ids = new Map<Value, number>();
  const add = (op: Op, value: Value, args: readonly Value[], name: string | null = null) => {
    ids.set(value, nodes.length);
    nodes.push({ op, name, value, inputs: args.map((a) => ids.get(a)!) });
  };
  // an own property only: an input named constructor or __proto__ is not Object.prototype's
  const leaves = program.leaves.map(
    (name) => new Value(Object.hasOwn(values, name) ? values[name]! : 1, name),
  );
  for (const [i, leaf] of leaves.entries()) add('input', leaf, [], program.leaves[i]!);
  const result = evaluateProgram(program, leaves, {
    made: (op, value, args) => add(op, value, args),
    // `name = …` labels its node (a node already named, as in `b = a`, keeps its name)
    assigned: (name, value) => {
      nodes[ids.get(value)!]!.name ??= name;
    },
  });
  const output = ids.get(result)!;
  const inputs = program.leaves.map((name, id) => ({ name, id }));
  for (const node of nodes) node.value.retainGrad();
  nodes[output]!.value.backward();

  // the same pass, step by step: nodes were created in topological order, so walk them backwards
  const bars: number[] = nodes.map((_, i) => (i === output ? 1 : 0));
  // a bar starts as its first contribution, as adjoint's sweep does (so a −0 stays −0), then sums
  const reached = nodes.map((_, i) => i === output);
  const steps: BackwardStep[] = [];
  const feeds = new Set([output]); // the output and what it is computed from
  for (let id = output; id >= 0; id--) {
    const node = nodes[id]!;
    if (!feeds.has(id) || node.inputs.length === 0) continue;
    for (const input of node.inputs) feeds.add(input);
    const args = node.inputs.map((i) => nodes[i]!.value.data);
    const op = node.op as Exclude<Op, 'input' | 'const'>;
    const local = vjp(op, node.value, args, 1);
    const amounts = vjp(op, node.value, args, bars[id]!);
    node.inputs.forEach((input, k) => {
      bars[input] = reached[input] ? bars[input]! + amounts[k]! : amounts[k]!;
      reached[input] = true;
    });
    steps.push({ node: id, local, amounts, bars: [...bars] });
  }
  return {
    nodes: nodes.map((n, id) => ({
      id,
      op: n.op,
      name: n.name,
      value: n.value.data,
      bar: n.value.grad,
      inputs: n.inputs,
      local:
        n.inputs.length === 0
          ? []
          : vjp(
              n.op as Exclude<Op, 'input' | 'const'>,
              n.value,
              n.inputs.map((i) => nodes[i]!.value.data),
              1,
            ),
    })),
    output,
    inputs,
    steps,
    firstNonFinite: firstNonFinite(nodes.map((n) => ({ value: n.value.data, inputs: n.inputs }))),
  };
}

/** The first node whose value is not finite while its inputs' are (nodes come in topological order). */
export function firstNonFinite(
  nodes: readonly { readonly value: number; readonly inputs: readonly number[] }[],
): number | null {
  const at = nodes.findIndex(
    (n) => !Number.isFinite(n.value) && n.inputs.every((i) => Number.isFinite(nodes[i]!.value)),
  );
  return at < 0 ? null : at;
}

/**
 * What `op`'s vjp sends to each argument for the incoming bar `g`, computed by adjoint itself on fresh
 * Values (one per argument): the gradient of op(args)·g, whose product passes g on exactly. With g = 1
 * it is the local derivative ∂op/∂argument.
 */
function vjp(op: Exclude<Op, 'input' | 'const'>, node: Value, args: readonly number[], g: number): number[] {
  if (Number.isFinite(g) && args.every(Number.isFinite)) {
    const leaves = args.map((a) => new Value(a));
    apply(op, leaves).mul(g).backward();
    return leaves.map((l) => l.grad);
  }
  // NaN or ±∞ (1 / 0, log(−1)): a Value holds only finite numbers, so the op's rule runs on the node's own
  // numbers, as backward() does when it records nothing (the same formula, so the same bits)
  const partials = node.rule?.numeric(args.length) ?? null;
  if (partials === null) return args.map(() => Number.NaN);
  return args.map((_, k) => partials[k]?.(g, node) ?? 0);
}
