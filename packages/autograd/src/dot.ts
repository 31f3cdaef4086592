import { allAdjoints, topoSort } from './graph.js';
import { checkOptions, describe, formatShape } from './shape.js';
import { filled, Tensor } from './tensor.js';
import { toValue, Value } from './value.js';

/**
 * The graph behind `root` as Graphviz DOT text, like micrograd's `draw_dot`: one record per node and
 * one ellipse per op. A Value's record shows its name, data and adjoint ∂root/∂node as a bar (x̅); a Tensor's shows
 * its label and shape (and data and adjoint when it holds one element). The adjoints come from a sweep
 * of their own (seeded with ones), so every node shows one, constants show none, and no `.grad` is
 * touched. The same graph always gives the same text.
 */
export function toDot(root: Value | Tensor, options: { readonly rankdir?: 'LR' | 'TB' } = {}): string {
  checkOptions('toDot', options, ['rankdir']);
  if (!(root instanceof Tensor) && !(root instanceof Value))
    throw new TypeError(`toDot: expected a Value or a Tensor, got ${describe(root)}`);
  const sorted: (Value | Tensor)[] =
    root instanceof Tensor ? topoSort(root, () => true) : topoSort(root, () => true);
  const adjoints: Map<Value | Tensor, Value | Tensor> =
    root instanceof Tensor
      ? allAdjoints(root, filled(root.shape, 1, root.dtype))
      : allAdjoints(root, toValue(1, 'toDot'));
  // A number operand (a Value's `x.mul(2)` keeps the 2) is drawn as a constant record of its own, just
  // before the node that reads it: where a depth-first walk of the node's inputs would put it.
  const id = new Map<Value | Tensor | number, string>();
  const lines = ['digraph adjoint {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [shape=record];'];
  const record = (node: Value | Tensor) => {
    const name = `n${id.size}`;
    id.set(node, name);
    lines.push(
      `  ${name} [label="{ ${fields(node, name, adjoints.get(node)).map(escapeRecord).join(' | ')} }"];`,
    );
    return name;
  };
  for (const node of sorted) {
    const inputs: string[] = [];
    for (let k = 0, input = node.inputAt(k); input !== null; input = node.inputAt(++k))
      inputs.push(
        typeof input === 'number'
          ? record(new Value(input, '', null, null, null, null, false))
          : id.get(input)!,
      );
    const name = record(node);
    if (node.op !== '') {
      lines.push(
        `  ${name}_op [label="${escapeRecord(node.op)}", shape=ellipse];`,
        `  ${name}_op -> ${name};`,
      );
      for (const input of inputs) lines.push(`  ${input} -> ${name}_op;`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * A node's cells: its name (its label, or the record's id when it has none), its shape for a Tensor, its
 * data, and its adjoint in the notes' bar notation: x̄ = ∂root/∂x, the bar over the whole name.
 */
function fields(node: Value | Tensor, id: string, adjoint: Value | Tensor | undefined): string[] {
  const scalar = !(node instanceof Tensor) || node.size === 1;
  const name = node.label === '' ? id : node.label;
  const out = [name];
  if (node instanceof Tensor) out.push(`shape ${formatShape(node.shape)}`);
  if (scalar) {
    out.push(`data ${formatNumber(first(node))}`);
    if (node.requiresGrad)
      out.push(`${bar(name)} = ${formatNumber(adjoint === undefined ? 0 : first(adjoint))}`);
  }
  return out;
}

/** The name with a bar over it (a combining overline on every character): a̅, x̅1̅, the notes' bars. */
function bar(name: string): string {
  return [...name].map((c) => `${c}\u0305`).join('');
}

function first(node: Value | Tensor): number {
  return node instanceof Tensor ? node.data[0]! : node.data;
}

/** Six significant digits, without trailing zeros: 2, 0.333333, -1.5e-8. */
function formatNumber(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Escapes the characters that mean something inside a quoted DOT record label. */
function escapeRecord(text: string): string {
  return text.replace(/[\\"{}|<>]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
}
