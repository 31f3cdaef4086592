/**
 * Derive it yourself: at a backward step the learner says what the node sends along each input edge,
 * as a number or as an expression in the node's own terms (its value y, its bar ȳ, its inputs a and b,
 * and any names the program gave them), written in the playground's own grammar. No DOM here: the
 * checker is unit-tested in Node, and the page only asks it.
 */
import { Value } from '@adjoint/autograd';
import { evaluateProgram, type GraphModel, RULES } from './graph.js';
import { ParseError, parse } from './parser.js';

/** What an answer is judged to be. */
export interface Verdict {
  readonly right: boolean;
  /** The answer's value, or null when it could not be read (then `problem` says why). */
  readonly value: number | null;
  /** What the node sends along that edge: bar × local derivative, as adjoint computes it. */
  readonly expected: number;
  readonly problem?: string;
}

/**
 * The names an answer at step `index` may use, with their values: y (the node's value), ybar (its bar,
 * also written ȳ), a and b (its inputs' values, in order), and the names the program gave the node and
 * its inputs.
 */
export function termsAt(model: GraphModel, index: number): Map<string, number> {
  const step = model.steps[index]!;
  const node = model.nodes[step.node]!;
  const terms = new Map<string, number>([
    ['y', node.value],
    ['ybar', step.bars[step.node]!],
  ]);
  node.inputs.forEach((input, k) => {
    terms.set(k === 0 ? 'a' : 'b', model.nodes[input]!.value);
    const name = model.nodes[input]!.name;
    if (name !== null && !terms.has(name)) terms.set(name, model.nodes[input]!.value);
  });
  if (node.name !== null && !terms.has(node.name)) terms.set(node.name, node.value);
  return terms;
}

/**
 * The input edges of step `index` a learner is asked about: those into a node that is not a constant (a
 * constant's bar is of no use, and the exponent's of a negative base is NaN), with a finite amount.
 */
export function askedEdges(model: GraphModel, index: number): number[] {
  const step = model.steps[index]!;
  const node = model.nodes[step.node]!;
  return node.inputs.flatMap((input, k) =>
    model.nodes[input]!.op !== 'const' && Number.isFinite(step.amounts[k]) ? [k] : [],
  );
}

/** The rule the node at step `index` applies, as the page states it. */
export function ruleAt(model: GraphModel, index: number): string {
  const node = model.nodes[model.steps[index]!.node]!;
  return RULES[node.op as keyof typeof RULES];
}

/** Two amounts agree when they differ by at most 1e-9 of the larger (at least 1e-9): rounding, not a slip. */
function agree(a: number, b: number): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Judges `answer`, the amount the learner says step `index` sends along its input edge `edge`. */
export function checkAnswer(model: GraphModel, index: number, edge: number, answer: string): Verdict {
  const expected = model.steps[index]!.amounts[edge]!;
  const terms = termsAt(model, index);
  const refuse = (problem: string): Verdict => ({ right: false, value: null, expected, problem });
  const text = answer.replaceAll('ȳ', 'ybar').replaceAll('−', '-').replaceAll('·', '*').replaceAll('×', '*');
  if (text.trim() === '') return refuse('write a number or an expression');
  let program: ReturnType<typeof parse>;
  try {
    program = parse(text);
  } catch (error) {
    if (error instanceof ParseError) return refuse(error.reason);
    throw error;
  }
  if (program.statements.length !== 1 || program.statements[0]!.name !== null)
    return refuse('write one expression, without "name ="');
  const unknown = program.leaves.find((name) => !terms.has(name));
  if (unknown !== undefined)
    return refuse(`'${unknown}' is not a name here; you may use ${[...terms.keys()].join(', ')} (ȳ is ybar)`);
  const values = program.leaves.map((name) => terms.get(name)!);
  if (!values.every(Number.isFinite)) return refuse('this step’s numbers are not all finite');
  let value: number;
  try {
    value = evaluateProgram(
      program,
      values.map((v) => new Value(v)),
    ).data;
  } catch {
    value = Number.NaN;
  }
  // log of a negative, a division by 0: not an amount a finite bar can be
  if (!Number.isFinite(value)) return refuse('the expression is not a finite number here');
  return { right: agree(value, expected), value, expected };
}

/** Where the page keeps progress: in this browser's storage, never sent anywhere. */
export const PROGRESS_KEY = 'adjoint.exercises';

/** Progress: for each exercise (a preset's id, or 'custom'), the steps answered right, by index. */
export type Progress = Record<string, number[]>;

/** Progress with step `index` of `exercise` answered right (each step counted once). */
export function recordRight(progress: Progress, exercise: string, index: number): Progress {
  const done = new Set(progress[exercise] ?? []);
  done.add(index);
  return { ...progress, [exercise]: [...done].sort((p, q) => p - q) };
}

/** Progress read back from storage's text: anything malformed is no progress. */
export function readProgress(text: string | null): Progress {
  try {
    const parsed: unknown = JSON.parse(text ?? '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Progress = {};
    for (const [key, steps] of Object.entries(parsed))
      if (Array.isArray(steps) && steps.every((s) => Number.isSafeInteger(s) && s >= 0)) out[key] = steps;
    return out;
  } catch {
    return {};
  }
}
