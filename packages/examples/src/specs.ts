// The examples' networks that others build too (the benchmark's W6 is mnist-cnn's): a module with no
// dependency but @adjoint/nn's types, so a page can import it without the examples' Node.js code.
import type { ModelSpec } from '@adjoint/nn';

/** The network: two convolutions with max pooling, then a dense layer of 128 with dropout, and the 10 logits. */
export function mnistCnnSpec(seed: number): ModelSpec {
  return {
    inputs: [1, 28, 28],
    layers: [
      { kind: 'conv', filters: 32, kernel: 3, padding: 1, activation: 'relu' },
      { kind: 'maxPool', kernel: 2 },
      { kind: 'conv', filters: 64, kernel: 3, padding: 1, activation: 'relu' },
      { kind: 'maxPool', kernel: 2 },
      { kind: 'flatten' },
      { units: 128, activation: 'relu' },
      { kind: 'dropout', rate: 0.5 },
      { units: 10, activation: 'linear' },
    ],
    seed,
  };
}
