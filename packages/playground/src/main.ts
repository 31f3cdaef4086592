/**
 * The page: the graph view (an expression, its graph with every value and bar, the backward pass one
 * step at a time, and the finite-difference check) and the training panel. Its state lives in the URL.
 */
import type { Viz } from '@viz-js/viz';
import { $, copyLink, readHash, saveFile, writeHash } from './dom.js';
import { askedEdges } from './exercise.js';
import { close as closeExercise, deriving, setupExercise, stepForward } from './exercise-panel.js';
import { buildGraph, type GraphModel, RULES } from './graph.js';
import { fdRows, short, symbol, toDot } from './graph-view.js';
import { ParseError, type Program, parse } from './parser.js';
import { PRESETS } from './presets.js';
import { renderTangents, setupTangents, shownTangents } from './tangent-panel.js';
import { setPlaying, setupTraining, showTraining } from './train-panel.js';

// ---------- the graph view ----------

const graphState = {
  source: PRESETS[0]!.source,
  values: { ...PRESETS[0]!.values } as Record<string, number>,
  step: 0, // how many backward steps have run
  model: null as GraphModel | null,
  /** The last program that parsed: a mistake in the source leaves the graph and the check as they were. */
  program: null as Program | null,
};

/**
 * Graphviz (its WebAssembly is most of the page's weight), loaded when the graph view first draws: the
 * Train view never fetches it.
 */
let vizLoading: Promise<Viz> | null = null;
function viz(): Promise<Viz> {
  vizLoading ??= import('@viz-js/viz').then((module) => module.instance());
  return vizLoading;
}

function saveGraph(): void {
  const params = new URLSearchParams({ source: graphState.source });
  for (const [name, value] of Object.entries(graphState.values)) params.set(`v.${name}`, String(value));
  // the backward step shown, so a link opens the pass where it was
  if (graphState.step > 0) params.set('step', String(graphState.step));
  // and whether the learner derives the steps: a link to an exercise opens its next question
  if (deriving()) params.set('derive', '1');
  writeHash('graph', params);
}

function setSource(source: string, values: Record<string, number>): void {
  graphState.source = source;
  // a null-prototype record: an input may be named constructor or __proto__
  graphState.values = Object.assign(Object.create(null) as Record<string, number>, values);
  graphState.step = 0;
  $<HTMLTextAreaElement>('source').value = source;
  recompute();
}

function recompute(): void {
  const error = $('error');
  try {
    const program = parse(graphState.source);
    for (const name of program.leaves) graphState.values[name] ??= 1;
    graphState.model = buildGraph(program, graphState.values);
    graphState.program = program;
    graphState.step = Math.min(graphState.step, graphState.model.steps.length);
    error.hidden = true;
    $('source').removeAttribute('aria-invalid');
    renderInputs();
    renderNonFinite(graphState.model);
    renderTangents();
    closeExercise();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    error.textContent = e.message;
    error.hidden = false;
    $('source').setAttribute('aria-invalid', 'true');
  }
  saveGraph();
  void renderGraph();
  renderCheck();
}

function renderInputs(): void {
  const model = graphState.model!;
  const box = $('inputs');
  const names = model.inputs.map((i) => i.name);
  if (box.dataset.names === names.join(',')) return; // keep focus while a value is edited
  box.dataset.names = names.join(',');
  box.replaceChildren(
    ...names.map((name) => {
      const row = document.createElement('div');
      row.className = 'input';
      const value = graphState.values[name]!;
      row.innerHTML = `<label for="in-${name}">${name}</label>
        <input id="in-${name}" type="number" step="0.1" value="${value}" aria-label="value of ${name}">
        <input id="slide-${name}" type="range" min="-5" max="5" step="0.01" value="${value}" aria-label="slider for ${name}">`;
      const [number, slider] = row.querySelectorAll('input');
      const update = (v: number, other: HTMLInputElement) => {
        if (!Number.isFinite(v)) return;
        other.value = String(v);
        graphState.values[name] = v;
        recompute();
      };
      number!.addEventListener('input', () => update(Number(number!.value), slider!));
      slider!.addEventListener('input', () => update(Number(slider!.value), number!));
      return row;
    }),
  );
}

/** The most nodes (and edges) the graph view draws: the largest preset has 40 nodes and 44 edges. */
const MAX_DRAWN = 80;

async function renderGraph(): Promise<void> {
  const model = graphState.model;
  const position = $('position');
  const rule = $('rule');
  // drawn when the view shows (a page opened on the Train view loads no Graphviz)
  if (model === null || $('view-graph').hidden) return;
  const step = graphState.step;
  const active = step > 0 ? model.steps[step - 1]! : null;
  position.textContent = `step ${step} of ${model.steps.length}`;
  if (active === null)
    rule.textContent =
      'Before backward: the output’s bar is 1, every other bar 0. Step to run the first vjp.';
  else {
    const node = model.nodes[active.node]!;
    const sends = node.inputs
      .map((input, k) => `${label(model, input)} receives ${fmt(active.amounts[k]!)}`)
      .join('; ');
    rule.textContent = `${label(model, node.id)}: ${RULES[node.op as keyof typeof RULES]}. Here: ${sends}.`;
  }
  const narrow = $('graph').clientWidth < 560;
  $('graph').classList.toggle('narrow', narrow);
  const edges = model.nodes.reduce((n, node) => n + node.inputs.length, 0);
  if (model.nodes.length > MAX_DRAWN || edges > MAX_DRAWN) {
    // Graphviz's layout grows faster than the graph (a 100-term sum took 3 s, 300 terms over a minute)
    const note = document.createElement('p');
    note.className = 'too-large';
    note.textContent =
      `This graph has ${model.nodes.length} nodes and ${edges} edges; above ${MAX_DRAWN} the page does not ` +
      'draw it, as laying it out would freeze the page. Step through the backward pass with the buttons: ' +
      'the rule below and the check table follow every step.';
    $('graph').replaceChildren(note);
  } else {
    const shown = shownTangents();
    const svg = (await viz()).renderSVGElement(
      toDot(model, step, narrow ? 'TB' : 'LR', shown?.tangents ?? null, shown?.node ?? null),
    );
    svg.setAttribute('role', 'img');
    $('graph').replaceChildren(svg);
  }
  // a graph wider than its box scrolls; on a phone nothing shows that it does, so say it
  const box = $('graph');
  $('graph-hint').hidden = box.scrollWidth <= box.clientWidth + 1;
  $<HTMLButtonElement>('back').disabled = step === 0;
  $<HTMLButtonElement>('first').disabled = step === 0;
  $<HTMLButtonElement>('forward').disabled = step === model.steps.length;
  $<HTMLButtonElement>('last').disabled = step === model.steps.length;
}

/** The graph as drawn (SVG) or as Graphviz source (DOT) at the current step, and a link to it all. */
function setupGraphDownloads(): void {
  $('download-svg').addEventListener('click', () => {
    const svg = $('graph').querySelector('svg');
    if (svg !== null)
      saveFile('adjoint-graph.svg', new XMLSerializer().serializeToString(svg), 'image/svg+xml');
  });
  $('download-dot').addEventListener('click', () => {
    if (graphState.model !== null)
      saveFile('adjoint-graph.dot', toDot(graphState.model, graphState.step), 'text/vnd.graphviz');
  });
  $('copy-link').addEventListener('click', () => copyLink($('copy-link')));
}

/** A node as the rule text names it: its name, or its op and value as the graph shows them. */
function label(model: GraphModel, id: number): string {
  const node = model.nodes[id]!;
  return node.name ?? `the ${symbol(node.op)} node (${short(node.value)})`;
}

/** Says where a NaN or an infinity first arises, and from which inputs; hidden when every value is finite. */
function renderNonFinite(model: GraphModel): void {
  const line = $('nonfinite');
  const id = model.firstNonFinite;
  line.hidden = id === null;
  if (id === null) return;
  const node = model.nodes[id]!;
  const operand = (i: number) => {
    const input = model.nodes[i]!;
    return input.op === 'const' ? fmt(input.value) : `${label(model, i)} = ${fmt(input.value)}`;
  };
  const from = `${symbol(node.op)} of ${node.inputs.map(operand).join(' and ')}`;
  line.textContent =
    `${fmt(node.value)} first appears at ${label(model, id)}, from ${from}. ` +
    'The values and bars that depend on it are not finite either, as IEEE 754 arithmetic makes them.';
}

/** A number to 6 significant digits, without trailing zeros; ±∞ and NaN as the graph shows them. */
function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return String(Number(v.toPrecision(6)));
}

function renderCheck(): void {
  if (graphState.program === null) return;
  const { rows, ok } = fdRows(graphState.program, graphState.values);
  $('fd')
    .querySelector('tbody')!
    .replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.input = r.name;
        for (const text of [r.name, fmt(r.bar), fmt(r.numeric), r.difference.toExponential(1)]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
  $('gradcheck').textContent = ok
    ? 'gradcheck: every bar agrees with its central difference (|Δ| ≤ 1e-5 + 1e-3·|difference|).'
    : 'gradcheck: a bar disagrees with its central difference beyond 1e-5 + 1e-3·|difference| (a kink, or a steep function).';
}

function go(step: number): void {
  const model = graphState.model;
  if (model === null) return;
  graphState.step = Math.max(0, Math.min(model.steps.length, step));
  closeExercise();
  saveGraph();
  void renderGraph();
}

function setupGraph(params: URLSearchParams): void {
  const preset = $<HTMLSelectElement>('preset');
  preset.replaceChildren(
    ...PRESETS.map((p) =>
      Object.assign(document.createElement('option'), { value: p.id, textContent: p.title }),
    ),
    Object.assign(document.createElement('option'), { value: 'custom', textContent: 'your own' }),
  );
  preset.addEventListener('change', () => {
    const p = PRESETS.find((q) => q.id === preset.value);
    if (p) setSource(p.source, { ...p.values });
  });
  const source = $<HTMLTextAreaElement>('source');
  source.addEventListener('input', () => {
    graphState.source = source.value;
    preset.value = PRESETS.find((p) => p.source === source.value)?.id ?? 'custom';
    recompute();
  });
  $('first').addEventListener('click', () => go(0));
  $('back').addEventListener('click', () => go(graphState.step - 1));
  $('forward').addEventListener('click', stepForward);
  $('last').addEventListener('click', () => go(Number.POSITIVE_INFINITY));
  document.addEventListener('keydown', (event) => {
    if ($('view-graph').hidden || (event.target as HTMLElement).closest('textarea, input, select')) return;
    if (event.key === 'ArrowRight') {
      event.preventDefault();
      stepForward();
      return;
    }
    const moves: Record<string, number> = {
      ArrowLeft: graphState.step - 1,
      Home: 0,
      End: Number.POSITIVE_INFINITY,
    };
    if (event.key in moves) {
      event.preventDefault();
      go(moves[event.key]!);
    }
  });
  const fromUrl = params.get('source');
  const values = Object.create(null) as Record<string, number>;
  for (const [key, value] of params)
    if (key.startsWith('v.') && Number.isFinite(Number(value))) values[key.slice(2)] = Number(value);
  const initial = fromUrl === null ? PRESETS[0]! : { source: fromUrl, values, id: '' };
  preset.value = PRESETS.find((p) => p.source === initial.source)?.id ?? 'custom';
  setupTangents({
    model: () => graphState.model,
    program: () => graphState.program,
    values: () => graphState.values,
    redraw: () => void renderGraph(),
    label,
    fmt,
  });
  setSource(initial.source, { ...initial.values });
  const step = Number(params.get('step'));
  if (Number.isSafeInteger(step) && step > 0) go(step);
  setupGraphDownloads();
  setupExercise({
    model: () => graphState.model,
    step: () => graphState.step,
    go,
    exercise: () => $<HTMLSelectElement>('preset').value,
    label,
    fmt,
  });
  $('derive').addEventListener('change', saveGraph);
  if (params.get('derive') === '1') {
    $<HTMLInputElement>('derive').checked = true;
    const model = graphState.model;
    if (
      model !== null &&
      graphState.step < model.steps.length &&
      askedEdges(model, graphState.step).length > 0
    )
      stepForward();
    saveGraph();
  }
}

// ---------- the two views ----------

function show(view: 'graph' | 'train'): void {
  $('view-graph').hidden = view !== 'graph';
  $('view-train').hidden = view !== 'train';
  $('tab-graph').setAttribute('aria-pressed', String(view === 'graph'));
  $('tab-train').setAttribute('aria-pressed', String(view === 'train'));
  if (view === 'train') showTraining();
  else {
    setPlaying(false);
    saveGraph();
    void renderGraph();
  }
}

const initial = readHash();
$('view-graph').hidden = initial.view !== 'graph';
setupGraph(initial.view === 'graph' ? initial.params : new URLSearchParams());
setupTraining(initial.view === 'train' ? initial.params : new URLSearchParams());
$('tab-graph').addEventListener('click', () => show('graph'));
$('tab-train').addEventListener('click', () => show('train'));
show(initial.view);
