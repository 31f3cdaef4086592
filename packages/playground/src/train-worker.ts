/// <reference lib="webworker" />
/**
 * The training panel's worker: it owns the run (a Trainer, trained by fitAsync), so the page's thread
 * only draws. It answers the page's requests (below) and, while training, posts a snapshot of the run
 * every SNAPSHOT_EVERY ms; each reply names the run it belongs to, so the page drops a stale one.
 */
import { toSafetensors } from '@adjoint/nn';
import type { TrainConfig } from './config.js';
import type { Snapshot } from './snapshot.js';
import { Trainer } from './training.js';

/** What the page asks of the worker. */
export type WorkerRequest =
  | { readonly type: 'reset'; readonly run: number; readonly config: TrainConfig }
  /** Train `batches` mini-batches (without: until paused), then measure and report `stopped`. */
  | { readonly type: 'train'; readonly run: number; readonly batches?: number }
  | { readonly type: 'pause'; readonly run: number }
  | { readonly type: 'export'; readonly run: number; readonly id: number; readonly format: ExportFormat };

/** The model's file formats. */
export type ExportFormat = 'json' | 'onnx' | 'safetensors';

/** What the worker tells the page. */
export type WorkerReply =
  | { readonly type: 'snapshot'; readonly run: number; readonly snapshot: Snapshot }
  | { readonly type: 'stopped'; readonly run: number; readonly snapshot: Snapshot }
  | { readonly type: 'export'; readonly run: number; readonly id: number; readonly data: string | Uint8Array }
  | { readonly type: 'error'; readonly run: number; readonly message: string };

/** While training, a snapshot every this many milliseconds (the page draws each). */
const SNAPSHOT_EVERY = 100;

const scope = self as unknown as DedicatedWorkerGlobalScope;
let run = -1;
let trainer: Trainer | null = null;
let stop: AbortController | null = null;

function post(reply: WorkerReply): void {
  scope.postMessage(reply);
}

async function train(t: Trainer, id: number, batches: number | undefined): Promise<void> {
  const controller = new AbortController();
  stop = controller;
  const timer = setInterval(
    () => post({ type: 'snapshot', run: id, snapshot: t.snapshot() }),
    SNAPSHOT_EVERY,
  );
  try {
    await t.train({ signal: controller.signal, ...(batches === undefined ? {} : { batches }) });
    // the loss where it stopped, for the chart and the stats
    if (t.measuredAt.at(-1) !== t.steps) t.measure();
    post({ type: 'stopped', run: id, snapshot: t.snapshot() });
  } finally {
    clearInterval(timer);
    if (stop === controller) stop = null;
  }
}

async function exported(t: Trainer, format: ExportFormat): Promise<string | Uint8Array> {
  if (format === 'json') return JSON.stringify(t.model);
  if (format === 'safetensors') return toSafetensors(t.model);
  // ONNX's writer and protobuf load only when asked for
  const { toOnnx } = await import('@adjoint/nn/onnx');
  return toOnnx(t.model);
}

/** The set-up of the latest reset; settled once its run exists (or failed). */
let settingUp: Promise<void> = Promise.resolve();

/** Makes the run of `config`, and posts its first snapshot. */
async function reset(config: TrainConfig): Promise<void> {
  const id = run;
  // the GPU is set up once, where asked for (its module loads only then)
  if (config.device === 'webgpu') await (await import('@adjoint/autograd/webgpu')).webgpu();
  if (id !== run) return; // replaced meanwhile
  trainer = new Trainer(config);
  trainer.measure();
  post({ type: 'snapshot', run, snapshot: trainer.snapshot() });
}

scope.addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'reset') {
      stop?.abort();
      run = request.run;
      trainer = null;
      const made = reset(request.config);
      settingUp = made.then(
        () => {},
        () => {},
      );
      await made;
      return;
    }
    // a request sent after a reset waits for the run it set up (the GPU's is set up asynchronously)
    await settingUp;
    if (request.run !== run || trainer === null) {
      // a request about a run since replaced: nothing to do
    } else if (request.type === 'train') await train(trainer, run, request.batches);
    else if (request.type === 'pause') stop?.abort();
    else post({ type: 'export', run, id: request.id, data: await exported(trainer, request.format) });
  } catch (error) {
    post({ type: 'error', run: request.run, message: (error as Error).message });
  }
});
