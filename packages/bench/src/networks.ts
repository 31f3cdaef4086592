// The networks the workloads train, shared by the Node.js benchmark and the GPU page (so free of
// Node.js): W3's MLP, and W6's CNN, mnist-cnn's without its dropout.
import { mnistCnnSpec } from '@adjoint/examples/specs';
import type { MlpSpec, ModelSpec } from '@adjoint/nn';

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

const mnistCnn = mnistCnnSpec(6);

/** The network W6 times: mnist-cnn's, without its dropout. */
export const CNN_SPEC: ModelSpec = {
  ...mnistCnn,
  layers: mnistCnn.layers.filter((layer) => !('kind' in layer && layer.kind === 'dropout')),
};
