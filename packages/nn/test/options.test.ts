import { customOp, randn, tensor, toDot, Value, zeros } from '@adjoint/autograd';
import { gradcheck, numericGrad } from '@adjoint/autograd/testing';
import { Adam, accuracy, fit, loadModel, mlp, mse, SGD } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// Every public options object refuses a key it does not know, naming it, the closest known one, and the
// list: a misspelt option never passes silently as its default.
const spec = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid' as const }] };
const net = () => mlp(spec);
const data = { x: [[0, 1]], y: [[1]] };
const bad = <T>(options: object) => options as T;

describe('option bags name an unknown key', () => {
  test.each([
    [
      'fit',
      () => fit(net(), data, bad({ loss: mse, optimizer: new SGD(net().parameters(), { lr: 1 }), epoch: 5 })),
      "fit: unknown option 'epoch'; did you mean 'epochs'?",
    ],
    [
      'fit data',
      () =>
        fit(net(), bad({ ...data, z: 1 }), {
          loss: mse,
          optimizer: new SGD(net().parameters(), { lr: 1 }),
          epochs: 1,
        }),
      "fit (data): unknown option 'z' (options: x, y)",
    ],
    [
      'SGD',
      () => new SGD(net().parameters(), bad({ lr: 0.1, momentun: 0.9 })),
      "SGD: unknown option 'momentun'; did you mean 'momentum'?",
    ],
    [
      'Adam',
      () => new Adam(net().parameters(), bad({ learningRate: 0.1 })),
      "Adam: unknown option 'learningRate' (options: lr, betas, eps, weightDecay)",
    ],
    [
      'mse',
      () => mse(tensor([1]), tensor([1]), bad({ reduce: 'sum' })),
      "mse: unknown option 'reduce'; did you mean 'reduction'?",
    ],
    [
      'accuracy',
      () => accuracy(tensor([1]), [1], bad({ treshold: 0.5 })),
      "accuracy: unknown option 'treshold'; did you mean 'threshold'?",
    ],
    ['mlp', () => mlp(spec, bad({ dtpe: 'float32' })), "mlp: unknown option 'dtpe'; did you mean 'dtype'?"],
    [
      'loadModel',
      () => loadModel(net().toJSON(), bad({ engin: 'scalar' })),
      "loadModel: unknown option 'engin'; did you mean 'engine'?",
    ],
    [
      'tensor',
      () => tensor([1], bad({ requiresgrad: true })),
      "tensor: unknown option 'requiresgrad'; did you mean 'requiresGrad'?",
    ],
    ['zeros', () => zeros([1], bad({ lable: 'x' })), "zeros: unknown option 'lable'; did you mean 'label'?"],
    ['randn', () => randn([1], bad({ sed: 2 })), "randn: unknown option 'sed'; did you mean 'seed'?"],
    [
      'backward',
      () => new Value(1).mul(2).backward(bad({ creatGraph: true })),
      "backward: unknown option 'creatGraph'; did you mean 'createGraph'?",
    ],
    [
      'Tensor.backward',
      () =>
        tensor([1], { requiresGrad: true })
          .sum()
          .backward(bad({ create: true })),
      "backward: unknown option 'create'; did you mean 'createGraph'? (options: createGraph)",
    ],
    [
      'toDot',
      () => toDot(new Value(1), bad({ rankDir: 'TB' })),
      "toDot: unknown option 'rankDir'; did you mean 'rankdir'?",
    ],
    [
      'gradcheck',
      () => gradcheck((v) => v, [new Value(1)], bad({ tol: 1 })),
      "gradcheck: unknown option 'tol'; did you mean 'atol'?",
    ],
    [
      'numericGrad',
      () => numericGrad((v) => v, [new Value(1)], bad({ epsilon: 1 })),
      "numericGrad: unknown option 'epsilon' (options: eps)",
    ],
    [
      'customOp',
      () => customOp(bad({ name: 'f', forward: (x: Value) => x, vjp: (g: Value) => [g], backward: 1 })),
      "customOp: unknown option 'backward'",
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  test('an options argument that is not an object is named too', () => {
    expect(() => mse(tensor([1]), tensor([1]), bad<never>(['sum'] as never))).toThrow(
      'mse: expected an options object, got an array of length 1',
    );
  });
});
