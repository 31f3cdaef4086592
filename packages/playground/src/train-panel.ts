/**
 * The training panel: its controls, a Trainer run by fitAsync (which lets the page in between slices of
 * work, so drawing never waits on training), the decision boundary and the loss drawn with Observable
 * Plot, and the model's download.
 */
import { toSafetensors } from '@adjoint/nn';
import * as Plot from '@observablehq/plot';
import { drawBoundary as drawBoundaryView } from './boundary-view.js';
import { CLASSIFICATION, isRegression, REGRESSION } from './datasets.js';
import { $, copyLink, saveFile, writeHash } from './dom.js';
import { drawNetwork } from './network-view.js';
import {
  FEATURE_NAMES,
  FEATURES,
  fromParams,
  HIDDEN_ACTIVATIONS,
  logTicks,
  type TrainConfig,
  Trainer,
  type TrainOptions,
  tickLabels,
  toParams,
} from './training.js';

let trainer: Trainer | null = null;
/** The run in progress (play, or a step): aborting it stops training after the current mini-batch. */
let running: { readonly stop: AbortController; readonly done: Promise<void> } | null = null;
let playing = false;
/** The step count of a linked run, reproduced when the panel first shows. */
let linkedSteps = 0;
/** The most steps a link reproduces (a minute or so of training in the page). */
const MAX_LINKED_STEPS = 100_000;

/** The address: the configuration, and the step count once trained (the run is a function of both). */
function saveTraining(): void {
  const params = toParams(trainer!.config);
  if (trainer!.steps > 0) params.set('steps', String(trainer!.steps));
  writeHash('train', params);
}

function readConfig(): TrainConfig {
  const get = (id: string) => ($(id) as HTMLInputElement | HTMLSelectElement).value;
  return fromParams(
    new URLSearchParams({
      data: get('data'),
      noise: get('noise'),
      layers: get('layers').replace(/\s+/g, ''),
      activation: get('activation'),
      loss: get('loss'),
      optimizer: get('optimizer'),
      lr: get('lr'),
      batch: get('batch'),
      seed: get('seed'),
      features: FEATURE_NAMES.filter((f) => $<HTMLInputElement>(`feature-${f}`).checked).join(','),
    }),
  );
}

function showConfig(config: TrainConfig): void {
  const set = (id: string, value: string) => {
    ($(id) as HTMLInputElement | HTMLSelectElement).value = value;
  };
  set('data', config.data);
  set('noise', String(config.noise));
  set('layers', config.layers.join(', '));
  set('activation', config.activation);
  set('loss', config.loss);
  // regression has one loss: the other is offered for classes only
  $('loss').querySelector<HTMLOptionElement>('option[value="bce"]')!.disabled = isRegression(config.data);
  set('optimizer', config.optimizer);
  set('lr', String(config.lr));
  set('batch', String(config.batch));
  set('seed', String(config.seed));
  for (const f of FEATURE_NAMES) $<HTMLInputElement>(`feature-${f}`).checked = config.features.includes(f);
}

function resetTraining(): void {
  running?.stop.abort();
  running = null;
  const config = readConfig();
  showConfig(config); // what was invalid shows as the value used
  trainer = new Trainer(config);
  saveTraining();
  trainer.measure();
  drawTraining();
}

/** Trains a fresh run to the linked step count: the same weights as the run the link was taken from. */
async function reproduce(steps: number): Promise<void> {
  $('stats').textContent = `reproducing the linked run: ${steps} steps…`;
  await run({ batches: steps });
  if (trainer!.measuredAt.at(-1) !== trainer!.steps) trainer!.measure();
  drawTraining();
  saveTraining();
}

/**
 * The plots' width, measured once a run (and again when the window resizes): reading the layout while
 * training plays would force it in the middle of a drawing task.
 */
let widths: { plot: number; network: number } | null = null;
function measured(): { plot: number; network: number } {
  if (widths !== null) return widths;
  const plot = Math.min(360, $('train-view').clientWidth - 24);
  const found = { plot, network: $('network').clientWidth };
  // a hidden panel has no width yet: a guess, not kept
  if (plot <= 0 || found.network <= 0) return { plot: 360, network: 600 };
  widths = found;
  return widths;
}
const plotWidth = () => measured().plot;
addEventListener('resize', () => {
  widths = null;
});

/** Draws all of the panel: the stats and boundary, the network, the loss. */
function drawTraining(): void {
  for (const part of DRAW_PARTS) part(trainer!);
}

/** The stats line and the decision boundary (or, for regression, the output over the plane). */
function drawBoundary(t: Trainer): void {
  const last = t.losses.length - 1;
  const score = t.scores[last]!;
  $('stats').textContent =
    `epoch ${t.epochs} · step ${t.steps} · loss ${t.losses[last]!.toFixed(4)} · ` +
    (t.regression ? `R² ${score.toFixed(3)}` : `accuracy ${(100 * score).toFixed(1)}%`);
  $('stats').dataset.score = String(score);
  $('boundary-title').textContent = t.regression
    ? 'The network’s output over the plane'
    : 'Decision boundary';
  drawBoundaryView($('boundary'), t, plotWidth());
}

/** The loss over all the points, on a log axis labelled at every tick. */
function drawLoss(t: Trainer): void {
  const width = plotWidth();
  const ticks = logTicks(t.losses);
  $('loss-curve').replaceChildren(
    Plot.plot({
      width,
      height: 140,
      // room for the longest tick label of a log axis (0.0001), which a default margin cut at the left
      marginLeft: 52,
      y: {
        type: 'log',
        label: 'loss',
        grid: true,
        // ticks of our own choosing, each labelled (a log axis left to itself labels only some)
        ticks,
        tickFormat: tickLabels(ticks),
      },
      x: { label: 'steps', tickFormat: 'd' },
      marks: [
        Plot.line(t.losses, {
          x: (_: number, i: number) => t.measuredAt[i],
          y: (d: number) => d,
          stroke: '#08519c',
        }),
      ],
    }),
  );
}

/**
 * The trained model as a file: adjoint's JSON (loadModel reads it), ONNX (any ONNX runtime; its writer
 * and protobuf load only when asked for) or safetensors (PyTorch's state_dict names).
 */
async function download(format: 'json' | 'onnx' | 'safetensors'): Promise<void> {
  const t = trainer!;
  const name = `adjoint-${t.config.data}`;
  if (format === 'json') saveFile(`${name}.json`, JSON.stringify(t.model), 'application/json');
  else if (format === 'safetensors')
    saveFile(`${name}.safetensors`, toSafetensors(t.model), 'application/octet-stream');
  else {
    const { toOnnx } = await import('@adjoint/nn/onnx');
    saveFile(`${name}.onnx`, toOnnx(t.model), 'application/octet-stream');
  }
}

/** Runs `trainer` with fitAsync until `options` stop it or it is aborted; one run at a time. */
function run(options: TrainOptions): Promise<void> {
  const t = trainer!;
  const stop = new AbortController();
  const done = t
    .train({ ...options, signal: stop.signal })
    .catch((error: unknown) => {
      playing = false;
      $('play').textContent = '▶ play';
      $('stats').textContent = `training stopped: ${(error as Error).message}`;
    })
    .finally(() => {
      if (running?.stop === stop) running = null;
    });
  running = { stop, done };
  return done;
}

/**
 * The panel's parts, each drawn in a task of its own while training plays: together they take about
 * 45 ms here, so one task drawing them all (with the page's layout after) would pass the 50 ms at which
 * Chromium reports a long task.
 */
const DRAW_PARTS: readonly ((t: Trainer) => void)[] = [
  drawBoundary,
  (t) => drawNetwork($('network'), $('neuron-detail'), t, measured().network),
  drawLoss,
];

/** While playing, redraws every 100 ms, a part per task; training runs beside it, in fitAsync's slices. */
function drawWhilePlaying(part = 0): void {
  if (!playing || trainer === null) return;
  DRAW_PARTS[part]!(trainer);
  if (part + 1 < DRAW_PARTS.length) setTimeout(() => drawWhilePlaying(part + 1), 0);
  else setTimeout(() => requestAnimationFrame(() => drawWhilePlaying()), 100);
}

export async function setPlaying(on: boolean): Promise<void> {
  if (on === playing) return;
  playing = on;
  $('play').textContent = on ? '⏸ pause' : '▶ play';
  if (!on) {
    running?.stop.abort();
    await running?.done;
    if (trainer !== null) {
      drawTraining();
      saveTraining();
    }
    return;
  }
  await running?.done;
  requestAnimationFrame(() => drawWhilePlaying());
  await run({});
}

export function setupTraining(params: URLSearchParams): void {
  const group = (label: string, names: readonly string[]) => {
    const g = Object.assign(document.createElement('optgroup'), { label });
    g.append(
      ...names.map((d) => Object.assign(document.createElement('option'), { value: d, textContent: d })),
    );
    return g;
  };
  $<HTMLSelectElement>('data').replaceChildren(
    group('two classes', CLASSIFICATION),
    group('a number at each point (regression)', REGRESSION),
  );
  $<HTMLSelectElement>('activation').replaceChildren(
    ...HIDDEN_ACTIVATIONS.map((a) =>
      Object.assign(document.createElement('option'), { value: a, textContent: a }),
    ),
  );
  $('features').replaceChildren(
    ...FEATURE_NAMES.map((f) => {
      const label = document.createElement('label');
      label.className = 'feature';
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: `feature-${f}` });
      box.addEventListener('change', async () => {
        await setPlaying(false);
        resetTraining();
      });
      label.append(box, ` ${FEATURES[f].label}`);
      return label;
    }),
  );
  showConfig(fromParams(params));
  for (const id of ['data', 'noise', 'layers', 'activation', 'loss', 'optimizer', 'lr', 'batch', 'seed'])
    $(id).addEventListener('change', async () => {
      await setPlaying(false);
      resetTraining();
    });
  $('play').addEventListener('click', () => setPlaying(!playing));
  $('download').addEventListener('click', () => download('json'));
  $('download-onnx').addEventListener('click', () => download('onnx'));
  $('download-safetensors').addEventListener('click', () => download('safetensors'));
  $('step').addEventListener('click', async () => {
    await setPlaying(false);
    await running?.done;
    await run({ batches: 1 });
    trainer!.measure();
    drawTraining();
    saveTraining();
  });
  $('copy-train-link').addEventListener('click', () => copyLink($('copy-train-link')));
  const steps = Number(params.get('steps'));
  if (Number.isSafeInteger(steps) && steps > 0) linkedSteps = Math.min(steps, MAX_LINKED_STEPS);
  $('reset').addEventListener('click', async () => {
    await setPlaying(false);
    resetTraining();
  });
}

/** Shows the panel: a first run is set up when there is none; the address gets its configuration. */
export function showTraining(): void {
  if (trainer === null) {
    resetTraining();
    if (linkedSteps > 0) void reproduce(linkedSteps);
    linkedSteps = 0;
  } else saveTraining();
}
