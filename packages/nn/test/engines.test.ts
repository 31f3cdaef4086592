import { Rng, tensor } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import {
  ACTIVATIONS,
  type DenseSpec,
  Linear,
  type MlpSpec,
  mlp,
  mse,
  SGD,
  scalarMlp,
  takeRows,
} from '@adjoint/nn';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';

const specArb: fc.Arbitrary<MlpSpec> = fc.record({
  inputs: fc.integer({ min: 1, max: 4 }),
  layers: fc.array(
    fc.record({
      units: fc.integer({ min: 1, max: 4 }),
      activation: fc.constantFrom(...ACTIVATIONS),
    }) as fc.Arbitrary<DenseSpec>,
    { minLength: 1, maxLength: 3 },
  ),
  seed: fc.integer(),
  init: fc.constantFrom('uniform' as const, 'xavier' as const, 'he' as const, 'kaiming' as const),
});

/** `batch` seeded inputs in [-1, 1) and targets in [0, 1) for a network of `spec`. */
function sample(spec: MlpSpec, batch: number, seed: number): [number[][], number[][]] {
  const rng = new Rng(seed);
  const X = Array.from({ length: batch }, () =>
    Array.from({ length: spec.inputs }, () => 2 * rng.uniform() - 1),
  );
  const Y = Array.from({ length: batch }, () =>
    Array.from({ length: spec.layers.at(-1)!.units }, () => rng.uniform()),
  );
  return [X, Y];
}

describe('one spec, two engines', () => {
  it.prop([specArb, fc.integer({ min: 1, max: 5 }), fc.integer()])(
    'mlp(spec) and scalarMlp(spec) start from the same parameters and give the same outputs and gradients',
    (spec, batch, seed) => {
      const [X, Y] = sample(spec, batch, seed);
      const net = mlp(spec);
      const snet = scalarMlp(spec);
      const prediction = net.forward(tensor(X));
      const scalarPrediction = X.map((x) => snet.forward(x));
      // same arithmetic in the same order: the forward passes agree to the last bit
      expect(Array.from(prediction.data)).toEqual(scalarPrediction.flat().map((v) => v.data));
      mse(prediction, tensor(Y)).backward();
      mse(scalarPrediction, Y).backward();
      const linears = net.modules.filter((m): m is Linear => m instanceof Linear);
      snet.layers.forEach((layer, l) => {
        const { weight, bias } = linears[l]!;
        expect(layer.neurons.flatMap((n) => n.w.map((w) => w.data))).toEqual(Array.from(weight.data));
        assertClose(
          layer.neurons.flatMap((n) => n.w.map((w) => w.grad)),
          weight.grad!,
          { rtol: 1e-12, atol: 1e-15 },
        );
        assertClose(
          layer.neurons.map((n) => n.b.grad),
          bias.grad!,
          { rtol: 1e-12, atol: 1e-15 },
        );
      });
    },
  );

  test('parameters come per layer weight then bias; the scalar MLP per neuron w then b', () => {
    const spec = {
      inputs: 2,
      layers: [
        { units: 3, activation: 'tanh' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
      seed: 7,
    };
    const net = mlp(spec);
    expect(net.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['0.weight', [3, 2]],
      ['0.bias', [3]],
      ['2.weight', [1, 3]],
      ['2.bias', [1]],
    ]);
    const snet = scalarMlp(spec);
    expect(snet.parameters()).toHaveLength(13);
    expect(
      snet
        .namedParameters()
        .slice(0, 4)
        .map(([name]) => name),
    ).toEqual(['0.0.w0', '0.0.w1', '0.0.b', '0.1.w0']);
    expect(snet.parameters()[3]!.data).toBe(net.parameters()[0]!.data[2]); // row 1 of W is neuron 1's w
  });

  test('initializers draw from their distributions, and biases start at 0', () => {
    const wide = (init: 'uniform' | 'xavier' | 'he') =>
      Array.from(
        (
          mlp({ inputs: 200, layers: [{ units: 100, activation: 'relu' }], seed: 3, init })
            .modules[0] as Linear
        ).weight.data,
      );
    const uniform = wide('uniform');
    expect(Math.max(...uniform.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(Math.max(...uniform.map(Math.abs))).toBeGreaterThan(0.99);
    const bound = Math.sqrt(6 / 300);
    const xavier = wide('xavier');
    expect(Math.max(...xavier.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...xavier.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    const he = wide('he');
    const variance = he.reduce((s, w) => s + w * w, 0) / he.length;
    assertClose(variance, 2 / 200, { rtol: 0.05 });
    const linear = mlp({ inputs: 2, layers: [{ units: 3, activation: 'relu' }] }).modules[0] as Linear;
    expect(Array.from(linear.bias.data)).toEqual([0, 0, 0]);
  });

  test('the same spec and seed give the same parameters, bit for bit; another seed does not', () => {
    const spec = { inputs: 3, layers: [{ units: 4, activation: 'relu' as const }], seed: 11 };
    expect(mlp(spec).parameters()[0]!.toArray()).toEqual(mlp(spec).parameters()[0]!.toArray());
    expect(
      mlp({ ...spec, seed: 12 })
        .parameters()[0]!
        .toArray(),
    ).not.toEqual(mlp(spec).parameters()[0]!.toArray());
  });

  test('a bad spec throws an Error naming the field', () => {
    const layer = { units: 2, activation: 'tanh' };
    expect(() => mlp({ inputs: 2, layers: [{ units: 0, activation: 'tanh' }] })).toThrow(
      'spec.layers[0].units: expected a positive integer, got 0',
    );
    expect(() => mlp({ inputs: 2, layers: [{ units: 2, activation: 'swish' as never }] })).toThrow(
      'spec.layers[0].activation: expected one of linear, sigmoid, tanh, relu, leakyRelu, softmax, got the string "swish"',
    );
    expect(() => mlp({ inputs: 1.5, layers: [layer] } as never)).toThrow(
      'spec.inputs: expected a positive integer, got 1.5',
    );
    expect(() => mlp({ inputs: 2, layers: [] })).toThrow('spec.layers: expected a non-empty array');
    expect(() => mlp({ inputs: 2, layers: [layer], init: 'zeros' } as never)).toThrow(
      'spec.init: expected one of uniform, xavier, he, kaiming, got the string "zeros"',
    );
    expect(() => mlp({ inputs: 2, layers: [layer], seed: 0.5 } as never)).toThrow(
      'spec.seed: expected an integer, got 0.5',
    );
    expect(() => mlp({ inputs: 2, layers: [layer], lr: 1 } as never)).toThrow('spec.lr: unknown field');
    expect(() => scalarMlp(null as never)).toThrow(
      'spec: expected an object like { inputs, layers }, got null',
    );
  });

  test('a Linear layer checks its input width and maps a vector to a vector', () => {
    const linear = mlp({ inputs: 3, layers: [{ units: 2, activation: 'linear' }] }).modules[0] as Linear;
    expect(() => linear.forward(tensor([[1, 2]]))).toThrow('Linear: expected input [..., 3], got [1, 2]');
    expect(linear.forward(tensor([1, 2, 3])).shape).toEqual([2]);
    expect(() =>
      scalarMlp({ inputs: 3, layers: [{ units: 1, activation: 'linear' }] }).forward([1, 2]),
    ).toThrow('MLP: expected a sample of 3 inputs, got an array of length 2');
  });
});

describe('float32 models', () => {
  test('takeRows keeps the dtype of the rows it copies', () => {
    const x = tensor([[0.1], [0.2], [0.3]], { dtype: 'float32' });
    const rows = takeRows(x, [2, 0]);
    expect(rows.dtype).toBe('float32');
    expect(Array.from(rows.data)).toEqual([Math.fround(0.3), Math.fround(0.1)]);
  });

  it.prop([specArb, fc.integer({ min: 1, max: 5 }), fc.integer()])(
    'mlp(spec, { dtype: float32 }) starts from the float64 parameters rounded, and trains in float32',
    (spec, batch, seed) => {
      const [X, Y] = sample(spec, batch, seed);
      const [single, double] = [mlp(spec, { dtype: 'float32' }), mlp(spec)];
      single.parameters().forEach((p, i) => {
        expect(p.dtype).toBe('float32');
        expect(Array.from(p.data)).toEqual(Array.from(double.parameters()[i]!.data, Math.fround));
      });
      const losses = [single, double].map((net) => {
        // the float64 targets are data: the loss casts them to the prediction's dtype
        const loss = mse(net.forward(tensor(X, { dtype: net.parameters()[0]!.dtype })), tensor(Y));
        loss.backward();
        return loss;
      });
      expect(losses[0]!.dtype).toBe('float32');
      expect(Math.abs(losses[0]!.item() - losses[1]!.item())).toBeLessThan(
        1e-5 * Math.max(1, losses[1]!.item()),
      );
      const before = single.parameters().map((p) => Array.from(p.data));
      new SGD(single.parameters(), { lr: 0.1 }).step();
      single.parameters().forEach((p, i) => {
        expect(p.grad!.dtype).toBe('float32');
        expect(p.data).toBeInstanceOf(Float32Array);
        // x ← x - lr·∇, computed in float64 and rounded once into the Float32Array
        p.data.forEach((v, j) => {
          expect(v).toBe(Math.fround(before[i]![j]! - 0.1 * p.grad!.data[j]!));
        });
      });
    },
  );
});
