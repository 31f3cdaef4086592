/**
 * The training panel: its controls, a Trainer run by fitAsync (which lets the page in between slices of
 * work, so drawing never waits on training), the decision boundary and the loss drawn with Observable
 * Plot, and the model's download.
 */
import { toSafetensors } from '@adjoint/nn';
import * as Plot from '@observablehq/plot';
import { DATASETS } from './datasets.js';
import { $, saveFile, writeHash } from './dom.js';
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
  writeHash('train', toParams(config));
  trainer = new Trainer(config);
  trainer.measure();
  drawTraining();
}

function drawTraining(): void {
  const t = trainer!;
  const size = 50;
  const grid = t.grid(size);
  const last = t.losses.length - 1;
  $('stats').textContent =
    `epoch ${t.epochs} · step ${t.steps} · loss ${t.losses[last]!.toFixed(4)} · accuracy ${(100 * t.accuracies[last]!).toFixed(1)}%`;
  $('stats').dataset.accuracy = String(t.accuracies[last]);
  const width = Math.min(360, $('train-view').clientWidth - 24);
  $('boundary').replaceChildren(
    Plot.plot({
      width,
      height: width,
      x: { domain: [-1.8, 1.8], label: null },
      y: { domain: [-1.8, 1.8], label: null },
      color: { type: 'diverging', domain: [0, 1], pivot: 0.5, scheme: 'RdBu', legend: false },
      marks: [
        Plot.raster(grid, {
          width: size,
          height: size,
          x1: -1.8,
          x2: 1.8,
          y1: 1.8,
          y2: -1.8,
          fill: (d: number) => d,
          fillOpacity: 0.45,
        }),
        Plot.dot(t.points.x, {
          x: (p: number[]) => p[0],
          y: (p: number[]) => p[1],
          r: 3,
          stroke: 'white',
          strokeWidth: 0.8,
          fill: (_: unknown, i: number) => (t.points.y[i] === 1 ? '#08306b' : '#67000d'),
        }),
      ],
    }),
  );
  drawNetwork($('network'), t);
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

/** While playing, redraws every 100 ms; training runs beside it, in fitAsync's slices. */
function drawWhilePlaying(): void {
  if (!playing) return;
  drawTraining();
  setTimeout(() => requestAnimationFrame(drawWhilePlaying), 100);
}

export async function setPlaying(on: boolean): Promise<void> {
  if (on === playing) return;
  playing = on;
  $('play').textContent = on ? '⏸ pause' : '▶ play';
  if (!on) {
    running?.stop.abort();
    await running?.done;
    if (trainer !== null) drawTraining();
    return;
  }
  await running?.done;
  requestAnimationFrame(drawWhilePlaying);
  await run({});
}

export function setupTraining(params: URLSearchParams): void {
  $<HTMLSelectElement>('data').replaceChildren(
    ...DATASETS.map((d) => Object.assign(document.createElement('option'), { value: d, textContent: d })),
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
  });
  $('reset').addEventListener('click', async () => {
    await setPlaying(false);
    resetTraining();
  });
}

/** Shows the panel: a first run is set up when there is none; the address gets its configuration. */
export function showTraining(): void {
  if (trainer === null) resetTraining();
  else writeHash('train', toParams(trainer.config));
}
