import { ones, randn, type Tensor, tensor } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import {
  Adam,
  type Conv2d,
  type Dropout,
  fit,
  fromSafetensors,
  layerShapes,
  loadModel,
  type ModelSpec,
  mlp,
  predict,
  Sequential,
  scalarMlp,
  sequential,
  type softmaxCrossEntropy,
  toSafetensors,
} from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';

ort.env.wasm.numThreads = 1;

// Convolutional networks from a spec: the layer kinds, PyTorch's default initialization, dropout's
// modes, and every save format carrying every layer kind.

/** Every layer kind, with options off their defaults: conv (padding, stride, groups), both pools, dropout, flatten, dense. */
const spec: ModelSpec = {
  inputs: [2, 9, 9],
  layers: [
    { kind: 'conv', filters: 4, kernel: 3, padding: 1, activation: 'relu' },
    { kind: 'maxPool', kernel: 2 },
    {
      kind: 'conv',
      filters: 6,
      kernel: [2, 3],
      stride: [1, 2],
      groups: 2,
      dilation: [2, 1],
      activation: 'tanh',
    },
    { kind: 'avgPool', kernel: 2, stride: 1, padding: 1 },
    { kind: 'dropout', rate: 0.25 },
    { kind: 'flatten' },
    { units: 5, activation: 'leakyRelu' },
    { units: 3, activation: 'softmax' },
  ],
  seed: 4,
};

describe('the spec of a convolutional network', () => {
  test('layerShapes follows PyTorch output sizes layer by layer', () => {
    // conv 3×3 pad 1: 9×9; pool 2: 4×4; conv [2,3] stride [1,2] dilation [2,1]: (4−2−1)/1+1 = 2, (4−2−1)/2+1 = 1;
    // avgPool 2 stride 1 pad 1: 3×2; flatten 6·3·2 = 36
    expect(layerShapes(spec)).toEqual([
      [4, 9, 9],
      [4, 4, 4],
      [6, 2, 1],
      [6, 3, 2],
      [6, 3, 2],
      [36],
      [5],
      [3],
    ]);
  });

  test('sequential builds PyTorch modules in order, with its state_dict names', () => {
    const net = sequential(spec);
    expect(net.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual([
      '0.weight 4×2×3×3',
      '0.bias 4',
      '3.weight 6×2×2×3',
      '3.bias 6',
      '8.weight 5×36',
      '8.bias 5',
      '10.weight 3×5',
      '10.bias 3',
    ]);
    expect(String(net)).toContain('(0): Conv2d(2, 4, kernel=3×3, stride=1×1, padding=1×1)');
    expect(String(net)).toContain(
      '(3): Conv2d(4, 6, kernel=2×3, stride=1×2, padding=0×0, dilation=2×1, groups=2)',
    );
    expect(String(net)).toContain('(5): AvgPool2d(kernel=2×2, stride=1×1, padding=1×1)');
    expect(String(net)).toContain('(6): Dropout(rate=0.25)');
    expect(net.eval().forward(randn([7, 2, 9, 9], { seed: 1 })).shape).toEqual([7, 3]);
  });

  test('a conv layer is conv2d plus the bias per channel, then the activation', () => {
    const net = sequential({
      inputs: [1, 4, 4],
      layers: [{ kind: 'conv', filters: 1, kernel: 2, activation: 'relu' }],
    });
    const conv = net.modules[0] as Conv2d;
    conv.weight.data.set([1, -1, 2, 0]);
    conv.bias.data.set([-3]);
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ]);
    // each window [[a, b], [c, d]] gives a − b + 2c − 3 = 2c − 4 here (b = a + 1, c = a + 4): 2a + 4
    expect(net.forward(x).toArray()).toEqual([
      [
        [
          [6, 8, 10],
          [14, 16, 18],
          [22, 24, 26],
        ],
      ],
    ]);
  });

  test('a spec with a convolution defaults to PyTorch init: weight and bias uniform(±1/√fan_in)', () => {
    const net = sequential({ inputs: [16, 8, 8], layers: [{ kind: 'conv', filters: 64, kernel: 3 }] });
    expect(net.spec?.init).toBe('kaiming');
    const bound = 1 / Math.sqrt(16 * 9);
    const [w, b] = net.parameters() as [Tensor, Tensor];
    const values = Array.from(w.data);
    expect(Math.max(...values.map(Math.abs))).toBeLessThan(bound);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.999 * bound); // 9,216 draws reach the edge
    // the variance of uniform(±a) is a²/3; 9,216 draws give it within 3%
    const variance = values.reduce((s, v) => s + v * v, 0) / values.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.03);
    expect(Array.from(b.data).every((v) => Math.abs(v) < bound && v !== 0)).toBe(true);
    // the same seed draws the same network; another seed another
    const again = sequential({ inputs: [16, 8, 8], layers: [{ kind: 'conv', filters: 64, kernel: 3 }] });
    expect(Array.from(again.parameters()[0]!.data)).toEqual(values);
    const other = sequential({
      inputs: [16, 8, 8],
      layers: [{ kind: 'conv', filters: 64, kernel: 3 }],
      seed: 1,
    });
    expect(Array.from(other.parameters()[0]!.data)).not.toEqual(values);
  });

  test('mlp and scalarMlp refuse a convolutional spec, pointing at sequential', () => {
    expect(() => mlp(spec as never)).toThrow(
      'mlp: spec.layers[0] is a conv layer; an MLP has dense layers only (build it with sequential(spec))',
    );
    expect(() => scalarMlp(spec as never)).toThrow(
      'scalarMlp: spec.layers[0] is a conv layer; the scalar engine builds dense layers only',
    );
    expect(() =>
      scalarMlp({
        inputs: 4,
        layers: [
          { kind: 'dropout', rate: 0.5 },
          { units: 1, activation: 'tanh' },
        ],
      } as never),
    ).toThrow('scalarMlp: spec.layers[0] is a dropout layer');
    expect(() => sequential(spec).forward(ones([2, 162]))).toThrow(
      'Sequential: expected input [N, 2, 9, 9], got [2, 162]',
    );
  });
});

describe('dropout', () => {
  const net = () =>
    sequential({
      inputs: 2000,
      layers: [
        { kind: 'dropout', rate: 0.3 },
        { units: 1, activation: 'linear' },
      ],
    });

  test('training zeroes about rate of the inputs and scales the rest by 1/(1 − rate); its gradient is the mask', () => {
    const dropout = net().modules[0] as Dropout;
    const x = randn([5, 2000], { seed: 3, requiresGrad: true });
    const y = dropout.forward(x);
    y.sum().backward();
    let dropped = 0;
    for (let i = 0; i < x.size; i++) {
      if (y.data[i] === 0) dropped++;
      else expect(y.data[i]).toBe(x.data[i]! * (1 / 0.7)); // PyTorch's: input · (mask / (1 − p))
      // the gradient of Σ y is the mask: 0 where dropped, 1/(1 − rate) where kept
      expect(x.grad!.data[i]).toBe(y.data[i] === 0 ? 0 : 1 / 0.7);
    }
    // 10,000 Bernoulli(0.3) draws: 3,000 ± 46 (one σ); 5σ either side
    expect(Math.abs(dropped - 3000)).toBeLessThan(230);
  });

  test('evaluation mode passes the input through; the same seed drops the same inputs', () => {
    const [a, b] = [net(), net()];
    const x = randn([3, 2000], { seed: 1 });
    expect(a.modules[0]!.forward(x).toArray()).toEqual(b.modules[0]!.forward(x).toArray());
    expect(a.eval().training).toBe(false);
    expect(a.modules[0]!.forward(x)).toBe(x);
    expect(a.train().training).toBe(true);
    expect(a.modules[0]!.forward(x).toArray()).not.toEqual(x.toArray());
  });

  test('fit trains in training mode and measures in evaluation mode, then restores the mode; predict evaluates', () => {
    const model = net();
    const x = randn([8, 2000], { seed: 2 });
    const y = tensor([0, 0, 0, 0, 0, 0, 0, 0]).reshape([8, 1]);
    const modes: boolean[] = [];
    const loss = (p: Parameters<typeof softmaxCrossEntropy>[0]) => {
      modes.push(model.training);
      return (p as ReturnType<typeof ones>).mul(0).sum();
    };
    model.eval();
    fit(
      model,
      { x, y },
      {
        loss: loss as never,
        optimizer: new Adam(model.parameters()),
        epochs: 1,
        batchSize: 4,
        validation: { x, y },
      },
    );
    // two batches, then the validation loss, a batch's rows at a time
    expect(modes).toEqual([true, true, false, false]);
    expect(model.training).toBe(false);
    model.train();
    const expected = model.eval().forward(x).toArray();
    model.train();
    expect(predict(model, x).toArray()).toEqual(expected);
    expect(model.training).toBe(true);
  });

  test('predict with a batchSize runs the rows that many at a time and gives the same numbers, on either engine', () => {
    const cnn = sequential({
      inputs: [2, 6, 6],
      layers: [
        { kind: 'conv', filters: 3, kernel: 3, padding: 1, activation: 'relu' },
        { kind: 'maxPool', kernel: 2 },
        { kind: 'flatten' },
        { kind: 'dropout', rate: 0.5 },
        { units: 4, activation: 'linear' },
      ],
      seed: 3,
    });
    const images = randn([11, 2, 6, 6], { seed: 4 });
    const whole = Array.from(predict(cnn, images).data);
    for (const batchSize of [1, 4, 11, 50]) {
      const out = predict(cnn, images, { batchSize });
      expect(out.shape).toEqual([11, 4]);
      expect(Array.from(out.data)).toEqual(whole);
    }
    const scalar = scalarMlp({ inputs: 2, layers: [{ units: 3, activation: 'tanh' }], seed: 1 });
    const rows = [
      [0.5, -1],
      [2, 0.25],
      [-0.75, 1.5],
    ];
    expect(predict(scalar, rows, { batchSize: 2 }).toArray()).toEqual(predict(scalar, rows).toArray());
  });
});

describe('every format carries every layer kind', () => {
  const x = randn([3, 2, 9, 9], { seed: 5 });

  test.each(['float64', 'float32'] as const)(
    '%s: JSON round-trips bit for bit, as "adjoint.model"',
    (dtype) => {
      const net = sequential(spec, { dtype });
      const json = net.toJSON();
      expect(json.format).toBe('adjoint.model');
      expect(json.layers.map((l) => Object.keys(l).join(','))).toEqual([
        'weight,bias',
        '',
        'weight,bias',
        '',
        'rng', // the dropout layer's mask generator: a resumed run draws the same masks
        '',
        'weight,bias',
        'weight,bias',
      ]);
      const back = loadModel(JSON.stringify(json));
      expect(back.toJSON()).toEqual(json);
      const input = x.astype(dtype);
      expect(Array.from(back.eval().forward(input.astype('float64')).data)).toEqual(
        Array.from(net.eval().forward(input).astype('float64').data).map((v) =>
          dtype === 'float32' ? expect.closeTo(v, 6) : v,
        ),
      );
    },
  );

  test('a file whose weight does not fit its spec is refused, naming the field', () => {
    const json = JSON.parse(JSON.stringify(sequential(spec).toJSON()));
    json.layers[2].weight[0][1].pop();
    expect(() => loadModel(json)).toThrow('loadModel: layers[2].weight[0][1]: expected an array of length 2');
    const pool = JSON.parse(JSON.stringify(sequential(spec).toJSON()));
    pool.layers[1] = { weight: [1] };
    expect(() => loadModel(pool)).toThrow('loadModel: layers[1]: unknown field "weight"');
    const mislabelled = { ...sequential(spec).toJSON(), format: 'adjoint.mlp' };
    expect(() => loadModel(mislabelled)).toThrow(
      'loadModel: an "adjoint.mlp" file has dense layers only; spec.layers[0] is conv',
    );
    expect(() => loadModel(sequential(spec).toJSON(), { engine: 'scalar' })).toThrow(
      'scalarMlp: spec.layers[0] is a conv layer',
    );
  });

  test('safetensors: PyTorch names, bit for bit', () => {
    const net = sequential(spec);
    const back = fromSafetensors(toSafetensors(net), { ...spec, seed: 77 });
    expect(back.namedParameters().map(([n]) => n)).toEqual(net.namedParameters().map(([n]) => n));
    for (const [i, p] of net.parameters().entries())
      expect(Array.from(back.parameters()[i]!.data)).toEqual(Array.from(p.data));
  });

  test.each(['float32', 'float64'] as const)('%s: ONNX round-trips bit for bit, spec included', (dtype) => {
    const net = sequential(spec, { dtype });
    // a float64 Conv is one ONNX Runtime cannot run: written only when asked for
    const back = fromOnnx(toOnnx(net, { dtype, portable: dtype === 'float32' }));
    expect(back).toBeInstanceOf(Sequential);
    expect(back.spec).toEqual({ ...net.spec, seed: 0, init: 'kaiming' });
    const input = x.astype(dtype);
    expect(Array.from(back.eval().forward(input).data)).toEqual(Array.from(net.eval().forward(input).data));
  });

  test('a float64 export with a layer ONNX Runtime has no float64 kernel for is refused, naming it', async () => {
    expect(() => toOnnx(sequential(spec, { dtype: 'float64' }), { dtype: 'float64' })).toThrow(
      'toOnnx: ONNX Runtime has no float64 kernel for Conv (module 0), Conv (module 3), AveragePool (module 5), so this file would not load there; ' +
        "export it in float32 (the default), or pass { dtype: 'float64', portable: false }",
    );
    const avg = sequential({
      inputs: [1, 4, 4],
      layers: [{ kind: 'avgPool', kernel: 2 }, { kind: 'flatten' }],
    });
    expect(() => toOnnx(avg, { dtype: 'float64' })).toThrow('no float64 kernel for AveragePool (module 0)');
    // what is written when asked for is what ONNX Runtime refuses: the check names the real limit
    await expect(
      ort.InferenceSession.create(toOnnx(avg, { dtype: 'float64', portable: false })),
    ).rejects.toThrow(/Could not find an implementation for AveragePool/);
    // a float64 max-pooling network is one it runs
    const max = sequential({
      inputs: [1, 4, 4],
      layers: [{ kind: 'maxPool', kernel: 2 }, { kind: 'flatten' }],
    });
    const session = await ort.InferenceSession.create(toOnnx(max, { dtype: 'float64' }));
    const input = randn([1, 1, 4, 4], { seed: 2 });
    const out = await session.run({ input: new ort.Tensor('float64', input.data, [1, 1, 4, 4]) });
    expect(Array.from(out.output!.data as Float64Array)).toEqual(Array.from(max.forward(input).data));
  }, 30_000);

  // The first session of a page compiles ONNX Runtime's WebAssembly (megabytes of it): seconds in a
  // browser on a loaded 2-core machine, where 5 s ran out (7.2 s once), so this test has 30
  test('ONNX Runtime runs the exported network as forward computes it (float32, batches of 1 and 3)', {
    timeout: 30_000,
  }, async () => {
    const net = sequential(spec, { dtype: 'float32' }).eval();
    const session = await ort.InferenceSession.create(toOnnx(net));
    for (const n of [1, 3]) {
      const input = randn([n, 2, 9, 9], { seed: n, dtype: 'float32' });
      const out = await session.run({ input: new ort.Tensor('float32', input.data, [...input.shape]) });
      const got = out.output!.data as Float32Array;
      assertClose(Array.from(got), Array.from(net.forward(input).data), { atol: 1e-6, rtol: 1e-5 });
    }
  });
});
