// What the benchmark's workloads share between peers.ts (adjoint beside other libraries) and ab.ts
// (adjoint beside another checkout of itself): the networks, so both time the same thing.
import type { MlpSpec } from '@adjoint/nn';

/** W3's network: an MNIST-sized MLP, 784-128-64-10, He-initialized from seed 2. */
export const MNIST_MLP: MlpSpec = {
  inputs: 784,
  layers: [
    { units: 128, activation: 'relu' },
    { units: 64, activation: 'relu' },
    { units: 10, activation: 'linear' },
  ],
  seed: 2,
  init: 'he',
};
