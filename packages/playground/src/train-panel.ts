/**
 * The training panel: its controls, a run trained in a Web Worker (so the page's thread only draws),
 * the decision boundary and the loss drawn with Observable Plot, the network inside, and the model's
 * downloads. What it draws comes from the worker's snapshots.
 */
import * as Plot from '@observablehq/plot';
import { drawBoundary as drawBoundaryView } from './boundary-view.js';
import {
  FEATURE_NAMES,
  FEATURES,
  fromParams,
  HIDDEN_ACTIVATIONS,
  type TrainConfig,
  toParams,
} from './config.js';
import { CLASSIFICATION, isRegression, REGRESSION } from './datasets.js';
import { $, copyLink, saveFile, writeHash } from './dom.js';
import { logTicks, tickLabels } from './loss-axis.js';
import { drawNetwork } from './network-view.js';
import type { Snapshot } from './snapshot.js';
import { TrainClient } from './train-client.js';

/** The worker's client, made when the panel first shows. */
let client: TrainClient | null = null;
/** The latest snapshot of the run shown, and a number for the run (the views keep per-run drawings). */
let latest: Snapshot | null = null;
let runId = 0;
let playing = false;
/** The step count of a linked run, reproduced when the panel first shows. */
let linkedSteps = 0;
/** The most steps a link reproduces (a minute or so of training). */
const MAX_LINKED_STEPS = 100_000;

/** The address: the configuration, and the step count once trained (the run is a function of both). */
function saveTraining(): void {
  if (latest === null) return;
  const params = toParams(latest.config);
  if (latest.steps > 0) params.set('steps', String(latest.steps));
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
      device: get('device'),
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
  set('device', config.device);
}

function resetTraining(): void {
  const config = readConfig();
  showConfig(config); // what was invalid shows as the value used
  latest = null;
  runId++;
  writeHash('train', toParams(config));
  client ??= new TrainClient(received, (message) => {
    setPlaying(false);
    $('train-status').textContent = `Training stopped: ${message}`;
    $('train-status').hidden = false;
  });
  $('train-status').hidden = true;
  client.reset(config);
}

/** A snapshot from the worker: kept, and drawn a part per task. */
function received(snapshot: Snapshot): void {
  latest = snapshot;
  scheduleDraw();
}

/** Trains a fresh run to the linked step count: the same weights as the run the link was taken from. */
async function reproduce(steps: number): Promise<void> {
  const status = $('train-status');
  if (steps > MAX_LINKED_STEPS) {
    status.textContent =
      `This link asks for ${steps} steps; the page reproduces at most ${MAX_LINKED_STEPS}, so the run ` +
      'starts from step 0.';
    status.hidden = false;
    return;
  }
  status.textContent = `Reproducing the linked run: training ${steps} steps from the seed…`;
  status.hidden = false;
  const stopped = await client!.train(steps);
  status.hidden = true;
  if (stopped !== null) saveTraining();
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

/** The stats line and the decision boundary (or, for regression, the output over the plane). */
function drawBoundary(t: Snapshot): void {
  const last = t.losses.length - 1;
  const score = t.scores[last]!;
  $('stats').textContent =
    `epoch ${t.epochs} · step ${t.steps} · loss ${Number(t.losses[last]!.toPrecision(3))} · ` +
    (t.regression ? `R² ${score.toFixed(3)}` : `accuracy ${(100 * score).toFixed(1)}%`);
  $('stats').dataset.score = String(score);
  $('boundary-title').textContent = t.regression
    ? 'The network’s output over the plane'
    : 'Decision boundary';
  drawBoundaryView($('boundary'), t, runId, plotWidth());
}

/** The loss over all the points, on a log axis labelled at every tick. */
function drawLoss(t: Snapshot): void {
  const width = plotWidth();
  const ticks = logTicks(t.losses);
  const label = tickLabels(ticks);
  $('loss-curve').replaceChildren(
    Plot.plot({
      width,
      height: 140,
      // room for the longest tick label of a log axis (0.0001), which a default margin cut at the left
      marginLeft: 52,
      // log10 of the loss on a linear scale, with ticks of our own choosing, each labelled: Plot hands a
      // log scale's tickFormat to d3's, which blanks the labels of some ticks where the range spans
      // several decades (a pause that landed late gave an empty label in CI)
      y: {
        label: 'loss (log scale)',
        grid: true,
        ticks: ticks.map(Math.log10),
        tickFormat: (v: number) => label(10 ** v),
      },
      x: { label: 'steps', tickFormat: 'd' },
      marks: [
        Plot.line(t.losses, {
          x: (_: number, i: number) => t.measuredAt[i],
          y: (d: number) => (d > 0 ? Math.log10(d) : Number.NaN),
          stroke: '#08519c',
        }),
      ],
    }),
  );
}

/**
 * The trained model as a file: adjoint's JSON (loadModel reads it), ONNX (any ONNX runtime; its writer
 * and protobuf load in the worker only when asked for) or safetensors (PyTorch's state_dict names).
 */
async function download(format: 'json' | 'onnx' | 'safetensors'): Promise<void> {
  if (client === null || latest === null) return;
  const name = `adjoint-${latest.config.data}`;
  const data = await client.export(format);
  saveFile(`${name}.${format}`, data, format === 'json' ? 'application/json' : 'application/octet-stream');
}

/**
 * The panel's parts, each drawn in a task of its own: together they take 20–45 ms here, so one task
 * drawing them all (with the page's layout after) could pass the 50 ms at which Chromium reports a long
 * task.
 */
const DRAW_PARTS: readonly ((t: Snapshot) => void)[] = [
  drawBoundary,
  (t) => drawNetwork($('network'), $('neuron-detail'), t, runId, measured().network),
  drawLoss,
];

/** Whether parts are being drawn, and whether a snapshot came in since they started. */
let drawing = false;
let stale = false;

/** Draws the latest snapshot a part per task, once more if another came in meanwhile. */
function scheduleDraw(): void {
  stale = true;
  if (drawing) return;
  drawing = true;
  const next = (part: number) => {
    if (part === 0) stale = false;
    if (latest !== null) DRAW_PARTS[part]!(latest);
    if (part + 1 < DRAW_PARTS.length) setTimeout(() => next(part + 1), 0);
    else if (stale) setTimeout(() => next(0), 0);
    else drawing = false;
  };
  next(0);
}

/** Plays (trains until paused) or pauses; resolves once the worker has stopped when pausing. */
export async function setPlaying(on: boolean): Promise<void> {
  if (on === playing) return;
  playing = on;
  $('play').textContent = on ? '⏸ pause' : '▶ play';
  if (client === null) return;
  if (!on) {
    if (client.training) client.pause();
    await client.idle();
    saveTraining();
    return;
  }
  // after a pause still in progress: train waits for it
  if ((await client.train()) !== null) saveTraining();
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
  // the GPU is offered where the browser has WebGPU (the worker says so if it has no adapter)
  const gpu = $('device').querySelector<HTMLOptionElement>('option[value="webgpu"]')!;
  if (!('gpu' in navigator)) {
    gpu.disabled = true;
    gpu.textContent += ' (not in this browser)';
  }
  for (const id of [
    'data',
    'noise',
    'layers',
    'activation',
    'loss',
    'optimizer',
    'lr',
    'batch',
    'seed',
    'device',
  ])
    $(id).addEventListener('change', async () => {
      await setPlaying(false);
      resetTraining();
    });
  $('play').addEventListener('click', () => setPlaying(!playing));
  $('download').addEventListener('click', () => download('json'));
  $('download-onnx').addEventListener('click', () => download('onnx'));
  $('download-safetensors').addEventListener('click', () => download('safetensors'));
  // each click trains one mini-batch, after the ones before it (the client runs them in turn)
  $('step').addEventListener('click', async () => {
    await setPlaying(false);
    if (client !== null && (await client.train(1)) !== null) saveTraining();
  });
  $('copy-train-link').addEventListener('click', () => copyLink($('copy-train-link')));
  const steps = Number(params.get('steps'));
  if (Number.isSafeInteger(steps) && steps > 0) linkedSteps = steps;
  $('reset').addEventListener('click', async () => {
    await setPlaying(false);
    resetTraining();
  });
}

/** Shows the panel: a first run is set up when there is none; the address gets its configuration. */
export function showTraining(): void {
  if (client === null) {
    resetTraining();
    if (linkedSteps > 0) void reproduce(linkedSteps);
    linkedSteps = 0;
  } else saveTraining();
}
