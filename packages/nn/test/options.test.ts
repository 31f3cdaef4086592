import {
  arange,
  compile,
  customOp,
  eye,
  full,
  grad,
  ones,
  randn,
  type Tensor,
  tensor,
  toDot,
  Value,
  vmap,
  zeros,
} from '@adjoint/autograd';
import { gradcheck, numericGrad } from '@adjoint/autograd/testing';
import {
  Adam,
  AdamW,
  accuracy,
  binaryCrossEntropy,
  fit,
  fromSafetensors,
  loadModel,
  mlp,
  mse,
  SGD,
  sequential,
  toSafetensors,
} from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';
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
      "Adam: unknown option 'learningRate' (options: lr, betas, eps, weightDecay, clipGradNorm, clipGradValue)",
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
    [
      'full',
      () => full([1], 2, bad({ dtyp: 'float32' })),
      "full: unknown option 'dtyp'; did you mean 'dtype'?",
    ],
    ['ones', () => ones([1], bad({ grad: true })), "ones: unknown option 'grad'"],
    [
      'arange',
      () => arange(0, 2, 1, bad({ labl: 'i' })),
      "arange: unknown option 'labl'; did you mean 'label'?",
    ],
    [
      'eye',
      () => eye(2, 2, bad({ dtypes: 'float32' })),
      "eye: unknown option 'dtypes'; did you mean 'dtype'?",
    ],
    [
      'compile',
      () => compile((x: Tensor) => x, bad({ fused: false })),
      "compile: unknown option 'fused'; did you mean 'fuse'?",
    ],
    [
      'vmap',
      () => vmap((x: Tensor) => x, bad({ inAxis: 0 })),
      "vmap: unknown option 'inAxis'; the options are inAxes and outAxes",
    ],
    [
      'conv2d',
      () => tensor([[[[1]]]]).conv2d(tensor([[[[1]]]]), bad({ strides: 1 })),
      "conv2d: unknown option 'strides'; did you mean 'stride'?",
    ],
    [
      'maxPool2d',
      () => tensor([[[[1]]]]).maxPool2d([1, 1], bad({ pad: 0 })),
      "maxPool2d: unknown option 'pad'",
    ],
    [
      'sequential',
      () => sequential(spec, bad({ dtyp: 'float32' })),
      "sequential: unknown option 'dtyp'; did you mean 'dtype'?",
    ],
    ['AdamW', () => new AdamW(net().parameters(), bad({ decay: 0.1 })), "AdamW: unknown option 'decay'"],
    [
      'binaryCrossEntropy',
      () => binaryCrossEntropy(tensor([0.5]), tensor([1]), bad({ reduce: 'sum' })),
      "binaryCrossEntropy: unknown option 'reduce'; did you mean 'reduction'?",
    ],
    [
      'toOnnx',
      () => toOnnx(sequential(spec), bad({ opSet: 17 })),
      "toOnnx: unknown option 'opSet'; did you mean 'opset'?",
    ],
    [
      'toSafetensors',
      () => toSafetensors(sequential(spec), bad({ dtpye: 'float32' })),
      "toSafetensors: unknown option 'dtpye'; did you mean 'dtype'?",
    ],
    [
      'fit metrics',
      () =>
        fit(net(), data, {
          loss: mse,
          optimizer: new SGD(net().parameters(), { lr: 1 }),
          epochs: 1,
          metrics: bad(['acc']),
        }),
      "fit: unknown metric 'acc'; did you mean 'accuracy'? (metrics: accuracy)",
    ],
    [
      'grad argnums',
      () => grad((x: Tensor) => x.sum(), bad({ argnums: 0 })),
      "grad: expected argnums to be an argument's position or an array of them (grad(f, 1), grad(f, [0, 1])), got",
    ],
    [
      'sum keepDims',
      () => tensor([[1]]).sum(1, bad({ keepdims: true })),
      'sum: expected keepDims to be true or false',
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  test.each([
    [
      'fromOnnx',
      () => (fromOnnx as (...a: unknown[]) => unknown)(toOnnx(sequential(spec)), { strict: true }),
      'fromOnnx: takes bytes and no options; got',
    ],
    [
      'fromSafetensors',
      () =>
        (fromSafetensors as (...a: unknown[]) => unknown)(toSafetensors(sequential(spec)), spec, {
          dtype: 'float32',
        }),
      'fromSafetensors: takes bytes, spec and no options; got',
    ],
  ])('%s, which takes no options, refuses one by name', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  test('a spec field that is not one names the closest and the list; a dense layer without activation is linear', () => {
    expect(() => mlp(bad({ input: 2, layers: [{ units: 1 }] }))).toThrow(
      "spec.input: unknown field; did you mean 'inputs'? (fields: inputs, layers, seed, init)",
    );
    expect(() => mlp(bad({ inputs: 2, layers: [{ unit: 1 }] }))).toThrow(
      "spec.layers[0].unit: unknown field of a dense layer; did you mean 'units'? (fields: kind, units, activation)",
    );
    const linear = sequential({ inputs: 2, layers: [{ units: 1 }], seed: 3 });
    const same = sequential({ inputs: 2, layers: [{ units: 1, activation: 'linear' }], seed: 3 });
    const x = tensor([[-4, 5]]);
    expect(linear.forward(x).toArray()).toEqual(same.forward(x).toArray());
    expect(linear.toJSON().spec.layers[0]).toEqual({ units: 1, activation: 'linear' });
  });

  test('toSafetensors writes the dtype it is asked for, and reads back as that dtype', () => {
    const model = sequential(spec); // float64
    const bytes = toSafetensors(model, { dtype: 'float32' });
    const header = JSON.parse(
      new TextDecoder().decode(
        bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))),
      ),
    );
    expect(header['0.weight'].dtype).toBe('F32');
    const back = fromSafetensors(bytes, spec);
    expect(back.parameters()[0]!.dtype).toBe('float32');
    expect(Array.from(back.parameters()[0]!.data)).toEqual(
      Array.from(Float32Array.from(model.parameters()[0]!.data)),
    );
  });

  test('an options argument that is not an object is named too', () => {
    expect(() => mse(tensor([1]), tensor([1]), bad<never>(['sum'] as never))).toThrow(
      'mse: expected an options object, got an array of length 1',
    );
  });
});
