import { allAdjoints, topoSort } from './graph';
import { toValue, type Value } from './value';

/**
 * The graph behind `root` as Graphviz DOT text, like micrograd's `draw_dot`: one record per node with
 * its label, its data and its adjoint ∂root/∂node, and one ellipse per op. The adjoints come from a
 * sweep of their own, so every node shows one (constants show none) and no `.grad` is touched.
 * The same graph always gives the same text.
 */
export function toDot(root: Value, options: { readonly rankdir?: 'LR' | 'TB' } = {}): string {
  const nodes = topoSort(root, () => true).order;
  const adjoints = allAdjoints(root, toValue(1, 'toDot'));
  const id = new Map(nodes.map((node, i) => [node, `n${i}`]));
  const lines = ['digraph adjoint {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [shape=record];'];
  for (const node of nodes) {
    const name = id.get(node)!;
    const adjoint = adjoints.get(node);
    const fields = [node.label, `data ${formatNumber(node.data)}`];
    if (node.requiresGrad) fields.push(`grad ${formatNumber(adjoint?.data ?? 0)}`);
    lines.push(`  ${name} [label="{ ${fields.map(escapeRecord).join(' | ')} }"];`);
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

/** Six significant digits, without trailing zeros: 2, 0.333333, -1.5e-8. */
function formatNumber(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Escapes the characters that mean something inside a quoted DOT record label. */
function escapeRecord(text: string): string {
  return text.replace(/[\\"{}|<>]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
}
