import { compile, randn, type Tensor, tensor } from '@adjoint/autograd';
import {
  Adam,
  fit,
  type MlpSpec,
  type ModelSpec,
  mlp,
  SGD,
  sequential,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// compile() over nn: the training step of fit, optimizers and dropout as effects of the program.

const bits = (t: Tensor) => Array.from(t.data);

function blobs(n: number, seed: number) {
  const x = randn([n, 3], { seed });
  const labels = Array.from({ length: n }, (_, i) =>
    x.data[3 * i]! + x.data[3 * i + 1]! > 0 ? 1 : i % 3 === 0 ? 2 : 0,
  );
  const y = tensor(labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
  return { x, y };
}

/** A CNN with dropout on 1×6×6 images, two classes: dropout makes training and evaluation differ. */
function smallCnn(seed: number): ModelSpec {
  return {
    inputs: [1, 6, 6],
    layers: [
      { kind: 'conv', filters: 3, kernel: 3, padding: 1, activation: 'relu' },
      { kind: 'maxPool', kernel: 2 },
      { kind: 'flatten' },
      { kind: 'dropout', rate: 0.5 },
      { units: 2, activation: 'linear' },
    ],
    seed,
  };
}

describe('compiled training', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    test(`fit({ compile: true }) trains to the same parameters and losses as eager fit, bit for bit (${dtype})`, () => {
      const spec: MlpSpec = {
        inputs: 3,
        layers: [
          { units: 8, activation: 'relu' },
          { units: 3, activation: 'linear' },
        ],
        seed: 4,
      };
      const run = (compiled: boolean) => {
        const net = mlp(spec, { dtype });
        const data = blobs(50, 1);
        const history = fit(
          net,
          { x: data.x.astype(dtype), y: data.y.astype(dtype) },
          {
            loss: softmaxCrossEntropy,
            optimizer: new Adam(net.parameters(), { lr: 0.01, weightDecay: 1e-3 }),
            epochs: 4,
            batchSize: 16, // 16, 16, 16 and 2: two signatures
            compile: compiled,
          },
        );
        return { history, params: net.parameters().map(bits) };
      };
      const eager = run(false);
      const compiled = run(true);
      expect(compiled.history.loss).toEqual(eager.history.loss);
      expect(compiled.params).toEqual(eager.params);
      expect(eager.history.loss.at(-1)!).toBeLessThan(eager.history.loss[0]!);
    });
  }

  test('a CNN with dropout trains compiled as it does eagerly: each call draws the next mask of the stream', () => {
    const spec = smallCnn(2);
    const x = randn([8, 1, 6, 6], { seed: 3 });
    const y = tensor(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? [1, 0] : [0, 1])));
    const run = (compiled: boolean) => {
      const net = sequential(spec);
      const optimizer = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
      const step = (xb: Tensor, yb: Tensor) => {
        optimizer.zeroGrad();
        const loss = softmaxCrossEntropy(net.forward(xb), yb);
        loss.backward();
        optimizer.step();
        return loss;
      };
      const f = compiled ? compile(step) : step;
      const losses = Array.from({ length: 6 }, () => f(x, y).item());
      return { losses, params: net.parameters().map(bits) };
    };
    const eager = run(false);
    const compiled = run(true);
    expect(compiled.losses).toEqual(eager.losses);
    expect(compiled.params).toEqual(eager.params);
    expect(new Set(eager.losses).size).toBe(6); // the masks differ from call to call
  });

  test('fit({ compile: true }) scores each epoch (accuracy, the validation loss and accuracy) as eager fit does, bit for bit, in evaluation mode', () => {
    // dropout drops in training only: the compiled scoring must run it as evaluation does
    const spec = smallCnn(5);
    const x = randn([20, 1, 6, 6], { seed: 6 });
    const held = randn([13, 1, 6, 6], { seed: 7 });
    const classes = (n: number, k: number) =>
      tensor(Array.from({ length: n }, (_, i) => ((i * k) % 3 === 0 ? [1, 0] : [0, 1])));
    const run = (compiled: boolean) => {
      const net = sequential(spec);
      const history = fit(
        net,
        { x, y: classes(20, 1) },
        {
          loss: softmaxCrossEntropy,
          optimizer: new Adam(net.parameters(), { lr: 0.01 }),
          epochs: 3,
          batchSize: 8, // 8, 8 and 4, in training and in scoring: two programs each
          metrics: ['accuracy'],
          validation: { x: held, y: classes(13, 2) },
          compile: compiled,
        },
      );
      return { history, params: net.parameters().map(bits) };
    };
    const eager = run(false);
    const compiled = run(true);
    expect(compiled.history).toEqual(eager.history);
    expect(compiled.params).toEqual(eager.params);
    expect(eager.history.valLoss).toHaveLength(3);
    expect(new Set(eager.history.valLoss).size).toBe(3); // the weights moved between epochs
  });

  test('fit({ compile }) takes a boolean, and a model of Values is refused with a reason', async () => {
    const net = mlp({ inputs: 1, layers: [{ units: 1, activation: 'linear' }] });
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    const data = { x: [[1]], y: [[2]] };
    expect(() =>
      fit(net, data, { loss: softmaxCrossEntropy, optimizer, epochs: 1, compile: 'yes' as never }),
    ).toThrow('fit: expected options.compile to be true or false, got the string "yes"');
    const { scalarMlp, mse } = await import('@adjoint/nn');
    const snet = scalarMlp({ inputs: 1, layers: [{ units: 1, activation: 'linear' }] });
    expect(() =>
      fit(snet, data, {
        loss: mse,
        optimizer: new SGD(snet.parameters(), { lr: 0.1 }),
        epochs: 1,
        compile: true,
      }),
    ).toThrow('fit: compile traces Tensor programs, and this model is made of Values');
  });
});

describe('class-index labels inside a compiled step', () => {
  test('fit({ compile: true }) with [N] labels trains as eager fit does, and the program checks each batch’s labels', () => {
    const run = (compiled: boolean, labels: number[]) => {
      const net = mlp({ inputs: 3, layers: [{ units: 3, activation: 'linear' }], seed: 1 });
      const data = { x: randn([12, 3], { seed: 5 }), y: tensor(labels) };
      const history = fit(net, data, {
        loss: softmaxCrossEntropy,
        optimizer: new SGD(net.parameters(), { lr: 0.1 }),
        epochs: 3,
        batchSize: 4,
        compile: compiled,
      });
      return { loss: history.loss, params: net.parameters().map(bits) };
    };
    const labels = Array.from({ length: 12 }, (_, i) => i % 3);
    expect(run(true, labels)).toEqual(run(false, labels));
    // a bad label in a later batch: the trace saw good ones, the program's check catches it
    const bad = [...labels];
    bad[9] = 3;
    expect(() => run(true, bad)).toThrow('is not a class index in [0, 3)');
    expect(() => run(false, bad)).toThrow('softmaxCrossEntropy: label 3 of sample');
  });
});
