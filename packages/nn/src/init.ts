import { MAX_ELEMENTS, Rng } from '@adjoint/autograd';
import type { CheckedSpec, InitName } from './spec.js';

/** One layer's initial parameters: weight [out, in] row-major (row j is neuron j's w), bias [out]. */
export interface LayerParameters {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly inputs: number;
  readonly units: number;
}

/**
 * The initial parameters of every layer of `spec`, drawn from one Rng seeded with `spec.seed`, layer by
 * layer, weight row by row. Both engines build from this, so the same spec gives the same network.
 */
export function initialParameters(spec: CheckedSpec): LayerParameters[] {
  const rng = new Rng(spec.seed);
  let inputs = spec.inputs;
  // sizes are checked before anything is drawn, so an absurd spec allocates nothing
  spec.layers.forEach(({ units }, i) => {
    const fanIn = i === 0 ? spec.inputs : spec.layers[i - 1]!.units;
    if (units * fanIn > MAX_ELEMENTS) {
      throw new RangeError(
        `spec.layers[${i}].units: a weight of ${units} × ${fanIn} = ${units * fanIn} elements; a tensor holds at most ${MAX_ELEMENTS}`,
      );
    }
  });
  return spec.layers.map(({ units }) => {
    const weight = Float64Array.from({ length: units * inputs }, () => draw(spec.init, rng, inputs, units));
    const layer = { weight, bias: new Float64Array(units), inputs, units };
    inputs = units;
    return layer;
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
  }
}
