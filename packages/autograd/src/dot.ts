import { allAdjoints, topoSort } from './graph.js';
import { checkOptions, describe, formatShape } from './shape.js';
import { filled, Tensor } from './tensor.js';
import { toValue, Value } from './value.js';

/**
 * The graph behind `root` as Graphviz DOT text, like micrograd's `draw_dot`: one record per node and
 * one ellipse per op. A Value's record shows its label, data and adjoint ∂root/∂node; a Tensor's shows
 * its label and shape (and data and adjoint when it holds one element). The adjoints come from a sweep
 * of their own (seeded with ones), so every node shows one, constants show none, and no `.grad` is
 * touched. The same graph always gives the same text.
 */
export function toDot(root: Value | Tensor, options: { readonly rankdir?: 'LR' | 'TB' } = {}): string {
  checkOptions('toDot', options, ['rankdir']);
  if (!(root instanceof Tensor) && !(root instanceof Value))
    throw new TypeError(`toDot: expected a Value or a Tensor, got ${describe(root)}`);
  const nodes: (Value | Tensor)[] =
    root instanceof Tensor ? topoSort(root, () => true).order : topoSort(root, () => true).order;
  const adjoints: Map<Value | Tensor, Value | Tensor> =
    root instanceof Tensor
      ? allAdjoints(root, filled(root.shape, 1))
      : allAdjoints(root, toValue(1, 'toDot'));
  const id = new Map(nodes.map((node, i) => [node, `n${i}`]));
  const lines = ['digraph adjoint {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [shape=record];'];
  for (const node of nodes) {
    const name = id.get(node)!;
    lines.push(`  ${name} [label="{ ${fields(node, adjoints.get(node)).map(escapeRecord).join(' | ')} }"];`);
    if (node.op !== '') {
      lines.push(
        `  ${name}_op [label="${escapeRecord(node.op)}", shape=ellipse];`,
        `  ${name}_op -> ${name};`,
      );
      for (const parent of node.parents) lines.push(`  ${id.get(parent)} -> ${name}_op;`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function fields(node: Value | Tensor, adjoint: Value | Tensor | undefined): string[] {
  const scalar = !(node instanceof Tensor) || node.size === 1;
  const out = [node.label];
  if (node instanceof Tensor) out.push(`shape ${formatShape(node.shape)}`);
  if (scalar) {
    out.push(`data ${formatNumber(first(node))}`);
    if (node.requiresGrad) out.push(`grad ${formatNumber(adjoint === undefined ? 0 : first(adjoint))}`);
  }
  return out;
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
