/**
 * What the graph view draws: the model as Graphviz DOT at a given step of the backward pass, and the
 * finite-difference table of the check panel. No DOM here, so both are unit-tested in Node.
 */
import { Value } from '@adjoint/autograd';
import { gradcheck, numericGrad } from '@adjoint/autograd/testing';
import { evaluateProgram, type GraphModel } from './graph.js';
import type { Program } from './parser.js';

/** A number as the graph shows it: integers as they are, others to 4 significant digits, ±∞ and NaN as such. */
export function short(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return Number(v.toPrecision(4)).toString();
}

/** What an edge adds to its input's bar, with its sign: +0.5, −0.5 (never +-0.5). */
export function signed(v: number): string {
  return v < 0 || Object.is(v, -0) ? `−${short(-v)}` : `+${short(v)}`;
}

/** How an op reads on the page: the operators as they are printed, the functions by name. */
export function symbol(op: string): string {
  return ({ '*': '×', '-': '−', '/': '÷', neg: '−x' } as Record<string, string>)[op] ?? op;
}

/** A node's tangent as its label shows it: `?` until forward mode reaches it. */
function tangentLabel(tangent: number | null): string {
  return `<br/><font color="#1d4ed8">tangent ${tangent === null ? '?' : short(tangent)}</font>`;
}

/** Text safe inside an HTML-like Graphviz label. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The graph as DOT after `step` backward steps (0: before backward, the output's bar 1 and every other
 * 0): each node with its name or op, value and bar; the node whose vjp just ran filled, and each edge it
 * sent along labelled with the amount.
 */
export function toDot(
  model: GraphModel,
  step: number,
  direction: 'LR' | 'TB' = 'LR',
  tangents: readonly (number | null)[] | null = null,
  tangentNode: number | null = null,
): string {
  const bars =
    step === 0 ? model.nodes.map((n) => (n.id === model.output ? 1 : 0)) : model.steps[step - 1]!.bars;
  const active = step === 0 ? null : model.steps[step - 1]!;
  const lines = [
    'digraph G {',
    `  rankdir=${direction}; bgcolor="transparent"; nodesep=0.25; ranksep=0.45;`,
    '  node [shape=box, style="rounded,filled", margin="0.14,0.06", fontname="Helvetica", fontsize=11, fillcolor="#ffffff", color="#6b7280"];',
    '  edge [fontname="Helvetica", fontsize=10, color="#9ca3af", arrowsize=0.6];',
  ];
  for (const node of model.nodes) {
    const title =
      node.op === 'input'
        ? `<b>${html(node.name!)}</b>`
        : node.op === 'const'
          ? 'constant'
          : node.name
            ? `<b>${html(node.name)}</b> = ${html(symbol(node.op))}`
            : `<b>${html(symbol(node.op))}</b>`;
    const received =
      active !== null &&
      active.node !== node.id &&
      active.amounts.length > 0 &&
      model.nodes[active.node]!.inputs.includes(node.id);
    const fill =
      active?.node === node.id
        ? '#fde68a'
        : received
          ? '#dbeafe'
          : node.id === model.output
            ? '#f3f4f6'
            : '#ffffff';
    lines.push(
      `  n${node.id} [id="node-${node.id}", fillcolor="${fill}"${node.id === tangentNode ? ', color="#1d4ed8", penwidth=2' : ''}, label=<${title}<br/>${short(node.value)}<br/><font color="#b91c1c">bar ${short(bars[node.id]!)}</font>${tangents === null ? '' : tangentLabel(tangents[node.id]!)}>];`,
    );
  }
  for (const node of model.nodes) {
    node.inputs.forEach((input, k) => {
      const sending = active?.node === node.id;
      const attrs = sending
        ? `, color="#b91c1c", penwidth=2, fontcolor="#b91c1c", label="${signed(active!.amounts[k]!)}"`
        : '';
      lines.push(`  n${input} -> n${node.id} [id="edge-${node.id}-${k}"${attrs}];`);
    });
  }
  lines.push('}');
  return lines.join('\n');
}

/** One row of the check: an input's bar, its central difference, and how far apart they are. */
export interface CheckRow {
  readonly name: string;
  readonly bar: number;
  readonly numeric: number;
  readonly difference: number;
}

/**
 * Every input's bar (autodiff) beside its central finite difference (`numericGrad`, h = 1e-6), and
 * whether `gradcheck` passes them all with its default tolerance.
 */
export function fdRows(
  program: Program,
  values: Readonly<Record<string, number>>,
): { rows: CheckRow[]; ok: boolean } {
  const leaves = () =>
    program.leaves.map((name) => new Value(Object.hasOwn(values, name) ? values[name]! : 1, name));
  const f = (...xs: Value[]) => evaluateProgram(program, xs);
  const inputs = leaves();
  f(...inputs).backward();
  const numeric = numericGrad(f, leaves()) as number[];
  const rows = program.leaves.map((name, i) => ({
    name,
    bar: inputs[i]!.grad,
    numeric: numeric[i]!,
    difference: Math.abs(inputs[i]!.grad - numeric[i]!),
  }));
  return { rows, ok: gradcheck(f, leaves()).ok };
}
