// A spec and a chain of Tensor modules, each made from the other: `modulesOf` builds the layers a spec
// declares (from its seeded initial parameters), `specOf` reads the spec back from modules.
import { type DType, Rng, tensor } from '@adjoint/autograd';
import { initialParameters } from './init.js';
import { Activation, Conv2d, Dropout, Flatten, Linear, Pool2d } from './layers.js';
import type { Module } from './module.js';
import { type ActivationName, type CheckedLayer, type CheckedSpec, checkSpec } from './spec.js';

/**
 * The modules of a checked spec: each dense layer as a Linear and its Activation, each convolution as a
 * Conv2d and its Activation, then the pooling, Flatten and Dropout modules, in order; parameters of `dtype`.
 */
export function modulesOf(spec: CheckedSpec, dtype: DType): Module[] {
  const parameters = initialParameters(spec);
  // dropout masks have their own stream, so adding a dropout layer leaves the initial weights as they were
  const masks = new Rng(-1 - spec.seed);
  const modules = spec.layers.flatMap((layer, i): Module[] => {
    const p = parameters[i];
    const weight = () => tensor(p!.weight, { shape: p!.shape, dtype });
    const bias = () => tensor(p!.bias, { dtype });
    if ('units' in layer) return [new Linear(weight(), bias()), new Activation(layer.activation)];
    switch (layer.kind) {
      case 'conv': {
        const { stride, padding, dilation, groups } = layer;
        return [
          new Conv2d(weight(), bias(), { stride, padding, dilation, groups }),
          new Activation(layer.activation),
        ];
      }
      case 'maxPool':
      case 'avgPool':
        return [new Pool2d(layer.kind, layer.kernel, { stride: layer.stride, padding: layer.padding })];
      case 'flatten':
        return [new Flatten()];
      default:
        return [new Dropout(layer.rate, new Rng(masks.nextUint32()))];
    }
  });
  return modules;
}

/**
 * @internal The spec a chain of modules implements; `given` (the spec it was built from) supplies what
 * the modules do not say (the seed, the init, an image's height and width). Errors start with `op`.
 */
export function specOf(
  modules: readonly Module[],
  given: CheckedSpec | undefined,
  op = 'toJSON',
): CheckedSpec {
  const layers: CheckedLayer[] = [];
  const fail = (i: number, why: string): never => {
    throw new TypeError(`${op}: module ${i} (${String(modules[i])}) ${why}`);
  };
  let inputs: CheckedSpec['inputs'] | undefined;
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i]!;
    if (m instanceof Linear || m instanceof Conv2d) {
      const next = modules[i + 1];
      if (!(next instanceof Activation))
        fail(i, 'is not followed by an Activation, as every layer of a spec is');
      const activation = (next as Activation).name;
      if (m instanceof Linear) {
        inputs ??= m.inFeatures;
        layers.push({ units: m.outFeatures, activation });
      } else {
        if (activation === 'softmax')
          fail(i + 1, 'is softmax after a convolution, which a spec does not declare');
        inputs ??= Array.isArray(given?.inputs)
          ? given.inputs
          : fail(
              i,
              "starts the model, and a spec needs its input's height and width: build it with sequential(spec)",
            );
        const { stride, padding, dilation, groups } = m.options;
        layers.push({
          kind: 'conv',
          filters: m.outChannels,
          kernel: m.kernel,
          stride,
          padding,
          dilation,
          groups,
          activation: activation as Exclude<ActivationName, 'softmax'>,
        });
      }
      i++;
    } else if (m instanceof Pool2d) layers.push({ kind: m.kind, kernel: m.kernel, ...m.options });
    else if (m instanceof Flatten) layers.push({ kind: 'flatten' });
    else if (m instanceof Dropout) layers.push({ kind: 'dropout', rate: m.rate });
    else
      fail(
        i,
        'is not a layer a spec declares (Linear, Conv2d, pooling, Flatten, Dropout, each layer then its Activation)',
      );
    inputs ??= given?.inputs;
  }
  return checkSpec({
    inputs: inputs ?? fail(0, 'is not a layer, so the number of inputs is unknown'),
    layers,
    seed: given?.seed ?? 0,
    init: given?.init,
  });
}
