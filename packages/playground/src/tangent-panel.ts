/**
 * The forward-mode panel of the graph view: a direction ẋ for the inputs, the tangents pushed through
 * the graph one node at a time (or all at once), each step's sum of local derivative × tangent spelled
 * out, and the line where ẏ meets ⟨x̄, ẋ⟩.
 */
import { $ } from './dom.js';
import type { GraphModel } from './graph.js';
import { symbol } from './graph-view.js';
import type { Program } from './parser.js';
import { engineTangent, pairing, tangentsOf } from './tangents.js';

/** What the panel reads of the graph view, and how it asks for a redraw. */
export interface TangentHost {
  readonly model: () => GraphModel | null;
  readonly program: () => Program | null;
  readonly values: () => Readonly<Record<string, number>>;
  readonly redraw: () => void;
  readonly label: (model: GraphModel, id: number) => string;
  readonly fmt: (v: number) => string;
}

let host: TangentHost | null = null;
/** The forward-mode direction ẋ, by input name (an input not named moves by 0). */
let direction = Object.create(null) as Record<string, number>;
/** How many computed nodes have their tangent (the inputs and constants always do); ∞: all. */
let reached = Number.POSITIVE_INFINITY;

/** The computed nodes (not inputs or constants), in the order the program computes them. */
function computed(model: GraphModel): number[] {
  return model.nodes.filter((n) => n.op !== 'input' && n.op !== 'const').map((n) => n.id);
}

/**
 * What the graph shows when the tangents are on: each node's tangent, null where forward mode has not
 * reached it yet, and the node it reached last (null before the first step); null when they are off.
 */
export function shownTangents(): { tangents: (number | null)[]; node: number | null } | null {
  const model = host?.model() ?? null;
  if (model === null || !$<HTMLInputElement>('show-tangents').checked) return null;
  const all = tangentsOf(model, direction);
  const order = computed(model);
  const count = Math.min(reached, order.length);
  const pending = new Set(order.slice(count));
  return {
    tangents: all.map((t, id) => (pending.has(id) ? null : t)),
    node: count > 0 && count < order.length ? order[count - 1]! : null,
  };
}

/** The direction's fields (one per input), the step's sum, and the line where both modes meet. */
export function renderTangents(): void {
  const h = host!;
  const model = h.model();
  const program = h.program();
  if (model === null || program === null) return;
  const box = $('tangent-inputs');
  const names = model.inputs.map((i) => i.name);
  if (box.dataset.names !== names.join(',')) {
    // new inputs: the first moves by 1, the others not (one column of the Jacobian)
    direction = Object.create(null) as Record<string, number>;
    if (names.length > 0) direction[names[0]!] = 1;
    box.dataset.names = names.join(',');
    box.replaceChildren(...names.map(directionField));
  }
  renderStep(model);
  const forward = tangentsOf(model, direction)[model.output]!;
  let engine = Number.NaN;
  try {
    engine = engineTangent(program, h.values(), direction);
  } catch {
    // a value that is not finite on the way (log of a negative): the engine's NaN, shown as such
  }
  $('tangent-line').textContent =
    `ẏ = ${h.fmt(forward)} pushed forward through the graph; adjoint’s jvp gives ${h.fmt(engine)}; ` +
    `⟨x̄, ẋ⟩ = Σ bar × tangent over the inputs = ${h.fmt(pairing(model, direction))}. Forward and ` +
    'reverse mode agree: ẏ = ⟨x̄, ẋ⟩ is the identity behind both.';
}

function directionField(name: string): HTMLElement {
  const row = document.createElement('div');
  row.className = 'input';
  row.innerHTML = `<label for="tan-${name}"></label><input id="tan-${name}" type="number" step="0.1">`;
  row.querySelector('label')!.textContent = `ẋ of ${name}`;
  const field = row.querySelector('input')!;
  field.value = String(direction[name] ?? 0);
  field.addEventListener('input', () => {
    const v = Number(field.value);
    if (!Number.isFinite(v)) return;
    direction[name] = v;
    renderTangents();
    host!.redraw();
  });
  return row;
}

/** The position of the forward pass, and the sum that gave the node it reached last. */
function renderStep(model: GraphModel): void {
  const h = host!;
  const order = computed(model);
  const count = Math.min(reached, order.length);
  $('tangent-position').textContent = `node ${count} of ${order.length}`;
  $<HTMLButtonElement>('tan-first').disabled = count === 0;
  $<HTMLButtonElement>('tan-back').disabled = count === 0;
  $<HTMLButtonElement>('tan-forward').disabled = count === order.length;
  $<HTMLButtonElement>('tan-last').disabled = count === order.length;
  const rule = $('tangent-rule');
  if (count === 0) {
    rule.textContent = 'Each input’s tangent is its ẋ, a constant’s is 0. Step to push them forward.';
    return;
  }
  const node = model.nodes[order[count - 1]!]!;
  const tangents = tangentsOf(model, direction);
  const terms = node.inputs
    .map((input, k) => ({ input, k }))
    .filter(({ input }) => model.nodes[input]!.op !== 'const');
  // each term: the local derivative times the input's tangent, and which input it comes from
  const spelled = terms.map(
    ({ input, k }) => `${h.fmt(node.local[k]!)} × ${h.fmt(tangents[input]!)} (from ${h.label(model, input)})`,
  );
  rule.textContent =
    `${h.label(model, node.id)}, a ${symbol(node.op)}: its tangent is Σ local derivative × input’s ` +
    `tangent = ${spelled.join(' + ') || '0'} = ${h.fmt(tangents[node.id]!)}.`;
}

/** Moves the forward pass to `count` computed nodes (clamped), showing the tangents on the graph. */
function reach(count: number): void {
  const model = host!.model();
  if (model === null) return;
  reached = Math.max(0, Math.min(computed(model).length, count));
  $<HTMLInputElement>('show-tangents').checked = true;
  renderStep(model);
  host!.redraw();
}

/** Wires the panel's controls; `graph` is how it reads and redraws the graph view. */
export function setupTangents(graph: TangentHost): void {
  host = graph;
  const current = () => Math.min(reached, computed(graph.model()!).length);
  $('tan-first').addEventListener('click', () => reach(0));
  $('tan-back').addEventListener('click', () => reach(current() - 1));
  $('tan-forward').addEventListener('click', () => reach(current() + 1));
  $('tan-last').addEventListener('click', () => reach(Number.POSITIVE_INFINITY));
  $('show-tangents').addEventListener('change', graph.redraw);
}
