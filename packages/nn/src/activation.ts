import { type Elementwise, LEAKY_SLOPE, Value } from '@adjoint/autograd';
import type { ActivationName } from './spec.js';

/** An elementwise activation, on Values or Tensors alike. ReLU′(0) = 1, as [note 000](../../../docs/derivations.md) defines it. */
export function activate<N extends Elementwise<N>>(x: N, name: Exclude<ActivationName, 'softmax'>): N {
  switch (name) {
    case 'linear':
      return x;
    case 'leakyRelu':
      return x.leakyRelu(LEAKY_SLOPE);
    default:
      return x[name]();
  }
}

/** softmax across one sample's outputs, shifted by their maximum so that no exp overflows. */
export function softmaxValues(outputs: readonly Value[]): Value[] {
  const shift = Math.max(...outputs.map((v) => v.data));
  const exps = outputs.map((v) => v.sub(shift).exp());
  const total = Value.sum(exps);
  return exps.map((e) => e.div(total));
}
