import { Rng } from '@adjoint/autograd';
import { parameterShapes } from './formats/json.js';
import type { CheckedSpec, InitName } from './spec.js';

/**
 * One layer's initial parameters, row-major: weight [out, in] (row j is neuron j's w) for a dense
 * layer, [filters, channels / groups, kH, kW] for a convolution, and bias [out].
 */
export interface LayerParameters {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  /** The weight's shape. */
  readonly shape: readonly number[];
}

/**
 * The initial parameters of every layer of `spec` (null for a layer without any), drawn from one Rng
 * seeded with `spec.seed`, layer by layer, the weight in row-major order and then, with 'kaiming', the
 * bias. Both engines build from this, so the same spec gives the same network.
 */
export function initialParameters(spec: CheckedSpec): (LayerParameters | null)[] {
  const rng = new Rng(spec.seed);
  // parameterShapes checks every size before anything is drawn, so an absurd spec allocates nothing
  return parameterShapes(spec).map((shapes) => {
    if (shapes === null) return null;
    const { weight: shape, bias: biasShape } = shapes;
    // PyTorch's fans: fan_in = shape[1]·kH·kW, fan_out = shape[0]·kH·kW
    const receptive = shape.slice(2).reduce((n, d) => n * d, 1);
    const [fanIn, fanOut] = [shape[1]! * receptive, shape[0]! * receptive];
    const weight = Float64Array.from({ length: shape[0]! * fanIn }, () =>
      draw(spec.init, rng, fanIn, fanOut),
    );
    const bias = new Float64Array(biasShape[0]!);
    if (spec.init === 'kaiming') {
      const bound = 1 / Math.sqrt(fanIn);
      for (let j = 0; j < bias.length; j++) bias[j] = bound * (2 * rng.uniform() - 1);
    }
    return { weight, bias, shape };
  });
}

function draw(init: InitName, rng: Rng, fanIn: number, fanOut: number): number {
  switch (init) {
    case 'uniform': // micrograd: uniform(-1, 1)
      return 2 * rng.uniform() - 1;
    case 'xavier': {
      // Glorot & Bengio (2010): uniform(-a, a) with a = √(6 / (fan_in + fan_out))
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return a * (2 * rng.uniform() - 1);
    }
    case 'he': // He et al. (2015): normal(0, 2 / fan_in), for ReLU layers
      return rng.normal() * Math.sqrt(2 / fanIn);
    case 'kaiming':
      // PyTorch's reset_parameters: kaiming_uniform_(a = √5), i.e. gain √(2 / (1 + 5)) times
      // √(3 / fan_in), which is uniform(±1/√fan_in)
      return (2 * rng.uniform() - 1) / Math.sqrt(fanIn);
  }
}
