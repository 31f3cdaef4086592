/**
 * The page's side of the training worker: requests as methods and promises, replies of a replaced run
 * dropped. The worker is started when the Train view first needs it, so the graph view never loads it.
 */

import type { TrainConfig } from './config.js';
import type { Snapshot } from './snapshot.js';
import type { ExportFormat, WorkerReply, WorkerRequest } from './train-worker.js';

export class TrainClient {
  readonly #worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
  #run = 0;
  #exports = 0;
  /** Settles the current `train` call: with the snapshot where it stopped, or null if the run was replaced. */
  #stopped: ((snapshot: Snapshot | null) => void) | null = null;
  /** The `train` call in progress, which the next one waits for. */
  #running: Promise<Snapshot | null> | null = null;
  readonly #waiting = new Map<number, (data: string | Uint8Array) => void>();

  /**
   * `onSnapshot` gets every snapshot of the current run (after a reset, while training, where it
   * stopped); `onError` a failure's message (the run stops).
   */
  constructor(
    readonly onSnapshot: (snapshot: Snapshot) => void,
    readonly onError: (message: string) => void,
  ) {
    this.#worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => this.#receive(event.data));
    this.#worker.addEventListener('error', (event) => onError(event.message || 'the training worker failed'));
  }

  #post(request: WorkerRequest): void {
    this.#worker.postMessage(request);
  }

  #receive(reply: WorkerReply): void {
    if (reply.run !== this.#run) return; // a replaced run's
    if (reply.type === 'export') {
      this.#waiting.get(reply.id)?.(reply.data);
      this.#waiting.delete(reply.id);
      return;
    }
    if (reply.type === 'error') {
      this.#settle(null);
      this.onError(reply.message);
      return;
    }
    this.onSnapshot(reply.snapshot);
    if (reply.type === 'stopped') this.#settle(reply.snapshot);
  }

  #settle(snapshot: Snapshot | null): void {
    const stopped = this.#stopped;
    this.#stopped = null;
    this.#running = null;
    stopped?.(snapshot);
  }

  /** A new run of `config`; a run in progress stops, and its `train` call resolves to null. */
  reset(config: TrainConfig): void {
    this.#settle(null);
    this.#post({ type: 'reset', run: ++this.#run, config });
  }

  /**
   * Trains `batches` mini-batches, or until `pause`; resolves to the snapshot where it stopped (null if
   * the run was replaced first). Calls run one at a time: a call made while another trains starts when
   * that one has stopped.
   */
  async train(batches?: number): Promise<Snapshot | null> {
    // the wait and the claim with no await between them, so two waiting calls cannot both start
    while (this.#running !== null) await this.#running;
    const done = new Promise<Snapshot | null>((resolve) => {
      this.#stopped = resolve;
    });
    this.#running = done;
    this.#post({ type: 'train', run: this.#run, ...(batches === undefined ? {} : { batches }) });
    return done;
  }

  /** Resolves when no `train` call is in progress. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  /** Whether a `train` call is in progress. */
  get training(): boolean {
    return this.#running !== null;
  }

  /** Stops the training in progress after its current mini-batch. */
  pause(): void {
    this.#post({ type: 'pause', run: this.#run });
  }

  /** The model as a file in `format`. */
  export(format: ExportFormat): Promise<string | Uint8Array> {
    const id = ++this.#exports;
    const data = new Promise<string | Uint8Array>((resolve) => this.#waiting.set(id, resolve));
    this.#post({ type: 'export', run: this.#run, id, format });
    return data;
  }
}
