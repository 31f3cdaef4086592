import { tensor } from '@adjoint/autograd';
import {
  Adam,
  accuracy,
  binaryCrossEntropy,
  confusionMatrix,
  fit,
  mlp,
  mse,
  SGD,
  scalarMlp,
  softmaxCrossEntropy,
  takeRows,
} from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const XOR = [[0], [1], [1], [0]];

describe('fit', () => {
  test('XOR (note 003): a 2-2-1 sigmoid network reaches 100% accuracy from seed 0 within 2000 epochs', () => {
    const net = mlp({
      inputs: 2,
      layers: [
        { units: 2, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      seed: 0,
      init: 'uniform',
    });
    const history = fit(
      net,
      { x: X, y: XOR },
      { loss: mse, optimizer: new SGD(net.parameters(), { lr: 2 }), epochs: 2000, metrics: ['accuracy'] },
    );
    expect(history.accuracy!.at(-1)).toBe(1);
    expect(history.loss.at(-1)).toBeLessThan(0.01);
    expect(history.loss.at(-1)).toBeLessThan(history.loss[0]!);
  });

  test('fit is Algorithm 1: its parameters equal a hand-written loop of zero-grad, forward, backward, step', () => {
    const spec = {
      inputs: 2,
      layers: [
        { units: 3, activation: 'tanh' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
      seed: 2,
    };
    const net = mlp(spec);
    fit(
      net,
      { x: X, y: XOR },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 0.3, momentum: 0.5 }),
        epochs: 3,
        batchSize: 3,
        shuffle: false,
      },
    );
    const hand = mlp(spec);
    const optimizer = new SGD(hand.parameters(), { lr: 0.3, momentum: 0.5 });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const rows of [[0, 1, 2], [3]]) {
        optimizer.zeroGrad();
        mse(hand.forward(takeRows(tensor(X), rows)), takeRows(tensor(XOR), rows)).backward();
        optimizer.step();
      }
    }
    expect(net.parameters().map((p) => p.toArray())).toEqual(hand.parameters().map((p) => p.toArray()));
  });

  test('the scalar engine trains XOR too, through the same fit', () => {
    const net = scalarMlp({
      inputs: 2,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      seed: 1,
    });
    const history = fit(
      net,
      { x: X, y: [0, 1, 1, 0] },
      {
        loss: binaryCrossEntropy,
        optimizer: new Adam(net.parameters(), { lr: 0.1 }),
        epochs: 150,
        metrics: ['accuracy'],
      },
    );
    expect(history.accuracy!.at(-1)).toBe(1);
  });

  test('the same seed gives the same run, bit for bit; another seed shuffles differently', () => {
    const train = (seed: number) => {
      const net = mlp({
        inputs: 2,
        layers: [
          { units: 3, activation: 'tanh' },
          { units: 1, activation: 'sigmoid' },
        ],
        seed: 5,
      });
      return fit(
        net,
        { x: X, y: XOR },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 0.5, momentum: 0.9 }),
          epochs: 30,
          batchSize: 2,
          seed,
        },
      ).loss;
    };
    expect(train(1)).toEqual(train(1));
    expect(train(1)).not.toEqual(train(2));
  });

  test('it reports metrics and validation each epoch, and calls back per epoch and per batch', () => {
    const net = mlp({ inputs: 2, layers: [{ units: 2, activation: 'softmax' }] });
    const epochs: number[] = [];
    const batches: number[] = [];
    const history = fit(
      net,
      { x: X, y: tensor([0, 1, 1, 0]) },
      {
        loss: softmaxCrossEntropy,
        optimizer: new Adam(net.parameters(), { lr: 0.01 }),
        epochs: 3,
        batchSize: 3,
        metrics: ['accuracy'],
        validation: { x: X, y: tensor([0, 1, 1, 0]) },
        onEpoch: (e, logs) => epochs.push(e, logs.loss),
        onBatch: (b) => batches.push(b),
      },
    );
    expect(Object.keys(history).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    expect(history.valLoss).toHaveLength(3);
    expect(epochs.filter((_, i) => i % 2 === 0)).toEqual([0, 1, 2]);
    expect(batches).toEqual([0, 1, 2, 3, 4, 5]); // 2 batches (3 + 1 samples) per epoch
  });

  test('bad arguments are rejected with the values involved', () => {
    const net = mlp({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    expect(() => fit(net, { x: X, y: XOR }, { loss: mse, optimizer, epochs: 0 })).toThrow(
      'fit: epochs must be a positive integer, got 0',
    );
    expect(() => fit(net, { x: X, y: XOR }, { loss: mse, optimizer, epochs: 1, batchSize: 0 })).toThrow(
      'fit: batchSize must be a positive integer, got 0',
    );
    expect(() => fit(net, { x: X, y: [0, 1] }, { loss: mse, optimizer, epochs: 1 })).toThrow(
      'fit: data.x has shape [4, 2] and data.y [2]; they need the same number of rows',
    );
  });
});

describe('metrics', () => {
  test('accuracy thresholds one output per sample and takes the arg max of several', () => {
    expect(accuracy(tensor([[0.2], [0.7], [0.5]]), [0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(accuracy(tensor([[-1], [2]]), [0, 1], { threshold: 0 })).toBe(1);
    expect(
      accuracy(
        tensor([
          [0.1, 0.9],
          [0.8, 0.2],
        ]),
        tensor([
          [0, 1],
          [0, 1],
        ]),
      ),
    ).toBe(0.5);
    expect(confusionMatrix([0, 1, 1], [0, 1, 0], 2)).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });
});
