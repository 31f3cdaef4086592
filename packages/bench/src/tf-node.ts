// TF.js in Node.js, for the benchmark's CPU and WebAssembly rows: loaded as CommonJS (its ES build
// does not load in Node.js), and a contestant that switches to its backend before each step.
import { createRequire } from 'node:module';
import type { Contestant } from './harness.js';

const require = createRequire(import.meta.url);
/** TF.js, loaded as CommonJS: its ES build does not load in Node.js. */
export const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');

export async function setTfBackend(name: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
}

/** A TF.js contestant: switches to its backend before each step (both backends share one engine). */
export function tfContestant(name: string, backend: 'cpu' | 'wasm', make: () => () => unknown): Contestant {
  let step: (() => unknown) | null = null;
  return {
    name,
    step: async () => {
      if (tf.getBackend() !== backend) await setTfBackend(backend);
      step ??= make();
      return step();
    },
  };
}
