/**
 * The exercise panel of the graph view: with "derive each step yourself" on, a step forward first asks
 * what the node sends along each input edge, checks the answers (exercise.ts), and moves on when they
 * are right; after a wrong try, or on request, it shows the rule and the right amounts. Progress stays
 * in this browser's storage.
 */
import { $ } from './dom.js';
import {
  askedEdges,
  checkAnswer,
  PROGRESS_KEY,
  type Progress,
  readProgress,
  recordRight,
  ruleAt,
} from './exercise.js';
import type { GraphModel } from './graph.js';

/** What the panel needs of the graph view. */
export interface ExerciseHost {
  readonly model: () => GraphModel | null;
  /** How many backward steps have run. */
  readonly step: () => number;
  /** Shows the pass after `step` steps. */
  readonly go: (step: number) => void;
  /** The exercise's name for progress: the preset's id, or 'custom'. */
  readonly exercise: () => string;
  /** A node as the page names it. */
  readonly label: (model: GraphModel, id: number) => string;
  readonly fmt: (v: number) => string;
}

let host: ExerciseHost | null = null;
/** The step the form asks about (0-based), or null when it is closed. */
let asking: number | null = null;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage refused (a sandboxed frame): progress lives as long as the page
  }
}

let progress: Progress = {};

/** Whether learners derive each step themselves. */
export function deriving(): boolean {
  return $<HTMLInputElement>('derive').checked;
}

/**
 * A step forward as the learner asked for it: in derive mode, the form for the next step when it has
 * edges to ask about (the step runs once they are answered); otherwise the step itself.
 */
export function stepForward(): void {
  const h = host!;
  const model = h.model();
  if (model === null) return;
  const next = h.step();
  if (!deriving() || next >= model.steps.length || askedEdges(model, next).length === 0) {
    close();
    h.go(next + 1);
    return;
  }
  open(model, next);
}

/** Closes the form (a new program, a step back, derive mode off). */
export function close(): void {
  asking = null;
  $('exercise').hidden = true;
}

function open(model: GraphModel, index: number): void {
  const h = host!;
  asking = index;
  const step = model.steps[index]!;
  const node = model.nodes[step.node]!;
  $('exercise-question').textContent =
    `Step ${index + 1}: ${h.label(model, node.id)} runs its vjp with bar ȳ = ${h.fmt(step.bars[step.node]!)}. ` +
    'What does each input receive? A number, or an expression in y, ȳ (ybar), a, b and the names above.';
  const rows = askedEdges(model, index).map((edge) => {
    const row = document.createElement('div');
    row.className = 'answer';
    const input = model.nodes[node.inputs[edge]!]!;
    const id = `answer-${edge}`;
    row.innerHTML = `<label for="${id}"></label><input id="${id}" type="text" autocomplete="off" spellcheck="false"><span class="verdict" aria-live="polite"></span>`;
    row.querySelector('label')!.textContent =
      `${edge === 0 ? 'a' : 'b'} = ${h.label(model, input.id)} receives`;
    return row;
  });
  $('exercise-answers').replaceChildren(...rows);
  $('exercise-explain').hidden = true;
  $('exercise-go-on').hidden = true;
  showProgress(model);
  $('exercise').hidden = false;
  $<HTMLInputElement>(`answer-${askedEdges(model, index)[0]}`).focus();
}

function showProgress(model: GraphModel): void {
  const h = host!;
  const done = progress[h.exercise()]?.length ?? 0;
  $('exercise-progress').textContent =
    `${done} of ${model.steps.length} steps of this exercise answered right in this browser`;
}

/** The rule and the right amounts, after a wrong try or on request. */
function explain(model: GraphModel, index: number): void {
  const h = host!;
  const node = model.nodes[model.steps[index]!.node]!;
  const amounts = askedEdges(model, index)
    .map(
      (edge) => `${h.label(model, node.inputs[edge]!)} receives ${h.fmt(model.steps[index]!.amounts[edge]!)}`,
    )
    .join('; ');
  $('exercise-explain').textContent = `The rule: ${ruleAt(model, index)}. Here: ${amounts}.`;
  $('exercise-explain').hidden = false;
  $('exercise-go-on').hidden = false;
}

function check(): void {
  const h = host!;
  const model = h.model();
  if (model === null || asking === null) return;
  const index = asking;
  let allRight = true;
  for (const edge of askedEdges(model, index)) {
    const field = $<HTMLInputElement>(`answer-${edge}`);
    const verdict = checkAnswer(model, index, edge, field.value);
    const shown = field.parentElement!.querySelector('.verdict')!;
    shown.textContent = verdict.right
      ? '✓ right'
      : verdict.problem !== undefined
        ? `✗ ${verdict.problem}`
        : `✗ that is ${h.fmt(verdict.value!)}`;
    shown.className = `verdict ${verdict.right ? 'right' : 'wrong'}`;
    allRight &&= verdict.right;
  }
  if (!allRight) {
    explain(model, index);
    return;
  }
  progress = recordRight(progress, h.exercise(), index);
  storage()?.setItem(PROGRESS_KEY, JSON.stringify(progress));
  close();
  h.go(index + 1);
}

/** Wires the panel's controls; `graph` is how it reads and moves the graph view. */
export function setupExercise(graph: ExerciseHost): void {
  host = graph;
  progress = readProgress(storage()?.getItem(PROGRESS_KEY) ?? null);
  $('exercise').addEventListener('submit', (event) => {
    event.preventDefault();
    check();
  });
  $('exercise-show').addEventListener('click', () => {
    const model = graph.model();
    if (model !== null && asking !== null) explain(model, asking);
  });
  $('exercise-go-on').addEventListener('click', () => {
    const index = asking;
    close();
    if (index !== null) graph.go(index + 1);
  });
  $('derive').addEventListener('change', () => {
    if (!deriving()) close();
  });
}
