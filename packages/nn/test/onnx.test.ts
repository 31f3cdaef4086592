import { type DType, randn, type Tensor } from '@adjoint/autograd';
import { mlp } from '@adjoint/nn';
import { fromOnnx, ONNX_OPS, toOnnx } from '@adjoint/nn/onnx';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType,
  TensorProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, test } from 'vitest';

// ONNX checked by a runtime we did not write: ONNX Runtime (onnxruntime-web, WebAssembly) runs what
// toOnnx writes, and runs the models built here by hand, which fromOnnx must read the same way.
ort.env.wasm.numThreads = 1;

async function runOrt(bytes: Uint8Array, x: Tensor, input = 'input'): Promise<Float32Array | Float64Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [input]: new ort.Tensor(x.dtype, x.data, [...x.shape]) });
  return out[session.outputNames[0]!]!.data as Float32Array | Float64Array;
}

/** The largest |a − b| / max(|b|, floor). */
function gap(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return worst;
}

// float64: the same operations in another order, ≤ 1e-12 relative; float32: ONNX Runtime's kernels
// accumulate differently, a few float32 ulps: ≤ 1e-5 relative to max(|y|, 1e-3)
const BOUND = { float64: 1e-12, float32: 1e-5 } as const;

describe('toOnnx, run by ONNX Runtime', () => {
  // ONNX Runtime's first session loads its WebAssembly (seconds in a browser on a slow machine): done
  // here, with a timeout of its own, so that no test's 5 s pays for it
  beforeAll(async () => {
    const net = mlp({ inputs: 1, layers: [{ units: 1, activation: 'linear' }] });
    await runOrt(toOnnx(net), randn([1, 1], { seed: 0 }).astype('float32'));
  }, 60_000);
  const activations = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'linear'] as const;
  test.each(
    (['float32', 'float64'] as const).flatMap((dtype) => activations.map((a) => [dtype, a] as const)),
  )(
    '%s, %s: ONNX Runtime agrees with forward on batches of 1 and 7 (a symbolic batch)',
    async (dtype, activation) => {
      const net = mlp(
        {
          inputs: 3,
          layers: [
            { units: 6, activation },
            { units: 4, activation: 'softmax' },
          ],
          seed: 3,
        },
        { dtype },
      );
      const bytes = toOnnx(net, { dtype });
      for (const n of [1, 7]) {
        const x = randn([n, 3], { seed: n, dtype });
        expect(gap(await runOrt(bytes, x), net.forward(x).data, 1e-3)).toBeLessThanOrEqual(BOUND[dtype]);
      }
    },
  );

  test('options: the input name, the batch name, and the opset are written as asked', async () => {
    const net = mlp({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
    const bytes = toOnnx(net, { inputName: 'features', batch: 'n', opset: 13 });
    const x = randn([3, 2], { seed: 1 }).astype('float32');
    expect(
      gap(await runOrt(bytes, x, 'features'), net.forward(x.astype('float64')).data, 1e-3),
    ).toBeLessThanOrEqual(1e-5);
    expect(() => toOnnx(net, { opset: 9 })).toThrow('toOnnx: expected opset 13 to 21, got 9');
    expect(() => toOnnx(net, { dtype: 'int8' as never })).toThrow(
      "toOnnx: expected dtype 'float32' or 'float64'",
    );
  });

  test.each(['float32', 'float64'] as const)(
    '%s: fromOnnx reads back what toOnnx wrote, bit for bit',
    (dtype) => {
      const net = mlp(
        {
          inputs: 3,
          layers: [
            { units: 5, activation: 'leakyRelu' },
            { units: 2, activation: 'linear' },
          ],
          seed: 2,
        },
        { dtype },
      );
      const back = fromOnnx(toOnnx(net, { dtype }));
      const x = randn([4, 3], { seed: 9, dtype });
      expect(Array.from(back.forward(x).data)).toEqual(Array.from(net.forward(x).data));
    },
  );
});

// ---------- models built by hand, as PyTorch's exporter lays them out ----------

const float = (name: string, f: number) =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f });
const int = (name: string, i: number) =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(i) });
const op = (
  opType: string,
  input: string[],
  output: string,
  attribute = [] as ReturnType<typeof int>[],
): NodeProto =>
  create(NodeProtoSchema, {
    opType,
    input,
    output: [output],
    name: `${opType.toLowerCase()}_${output}`,
    attribute,
  });

function weight(name: string, data: number[], dims: number[], dtype: DType = 'float32') {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: dtype === 'float32' ? TensorProto_DataType.FLOAT : TensorProto_DataType.DOUBLE,
    ...(dtype === 'float32' ? { floatData: data } : { doubleData: data }),
  });
}

function model(
  nodes: NodeProto[],
  initializers: ReturnType<typeof weight>[],
  width: number,
  out: number,
  dtype: DType = 'float32',
) {
  const elemType = dtype === 'float32' ? TensorProto_DataType.FLOAT : TensorProto_DataType.DOUBLE;
  const info = (name: string, cols: number) =>
    create(ValueInfoProtoSchema, {
      name,
      type: {
        value: {
          case: 'tensorType',
          value: {
            elemType,
            shape: {
              dim: [
                { value: { case: 'dimParam', value: 'N' } },
                { value: { case: 'dimValue', value: BigInt(cols) } },
              ],
            },
          },
        },
      },
    });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 17n }],
      graph: create(GraphProtoSchema, {
        name: 'g',
        node: nodes,
        initializer: initializers,
        input: [info('x', width)],
        output: [info('y', out)],
      }),
    }),
  );
}

const numbers = (n: number, seed: number) => Array.from(randn([n], { seed }).data, (v) => Math.fround(v / 2));

describe('fromOnnx, checked against ONNX Runtime', () => {
  const layouts: [string, Uint8Array][] = [
    [
      'Gemm with transB (PyTorch), Relu, Gemm, Softmax',
      model(
        [
          op('Gemm', ['x', 'W1', 'b1'], 'h', [int('transB', 1)]),
          op('Relu', ['h'], 'a'),
          op('Gemm', ['a', 'W2', 'b2'], 'z', [int('transB', 1)]),
          op('Softmax', ['z'], 'y', [int('axis', 1)]),
        ],
        [
          weight('W1', numbers(12, 1), [4, 3]),
          weight('b1', numbers(4, 2), [4]),
          weight('W2', numbers(8, 3), [2, 4]),
          weight('b2', numbers(2, 4), [2]),
        ],
        3,
        2,
      ),
    ],
    [
      // issue 33: ONNX transposes for any nonzero transB, and so does ONNX Runtime
      'Gemm with transB = 2, Sigmoid',
      model(
        [op('Gemm', ['x', 'W', 'b'], 'h', [int('transB', 2)]), op('Sigmoid', ['h'], 'y')],
        [weight('W', numbers(12, 12), [4, 3]), weight('b', numbers(4, 13), [4])],
        3,
        4,
      ),
    ],
    [
      'Gemm without transB (weight [in, out]), Tanh',
      model(
        [op('Gemm', ['x', 'W', 'b'], 'h'), op('Tanh', ['h'], 'y')],
        [weight('W', numbers(12, 5), [3, 4]), weight('b', numbers(4, 6), [4])],
        3,
        4,
      ),
    ],
    [
      'Flatten, MatMul + Add, LeakyRelu, Identity, MatMul + Add, Sigmoid (float64)',
      model(
        [
          op('Flatten', ['x'], 'f', [int('axis', 1)]),
          op('MatMul', ['f', 'W1'], 'm1'),
          op('Add', ['m1', 'b1'], 'h'),
          op('LeakyRelu', ['h'], 'a', [float('alpha', 0.01)]),
          op('Identity', ['a'], 'i'),
          op('MatMul', ['i', 'W2'], 'm2'),
          op('Add', ['m2', 'b2'], 'z'),
          op('Sigmoid', ['z'], 'y'),
        ],
        [
          weight('W1', numbers(15, 7), [3, 5], 'float64'),
          weight('b1', numbers(5, 8), [5], 'float64'),
          weight('W2', numbers(5, 9), [5, 1], 'float64'),
          weight('b2', numbers(1, 10), [1], 'float64'),
        ],
        3,
        1,
        'float64',
      ),
    ],
  ];

  test.each(layouts)(
    '%s: the model computes what ONNX Runtime computes, and is differentiable',
    async (name, bytes) => {
      const net = fromOnnx(bytes);
      const dtype = net.parameters()[0]!.dtype;
      const x = randn([5, 3], { seed: 11, dtype });
      // ONNX stores LeakyRelu's alpha as a float32 attribute (0.00999999977…), adjoint's slope is 0.01:
      // on the negative side they differ by 2.2e-8 relative, so that layout gets this bound
      const bound = name.includes('LeakyRelu') ? 1e-7 : BOUND[dtype];
      expect(gap(net.forward(x).data, await runOrt(bytes, x, 'x'), 1e-3)).toBeLessThanOrEqual(bound);
      net.forward(x).sum().backward();
      for (const p of net.parameters()) expect(p.grad?.shape).toEqual(p.shape);
    },
  );

  test('an op it does not read is named, with its node and the ops it reads', () => {
    const bytes = model([op('Erf', ['x'], 'y')], [], 3, 3);
    expect(() => fromOnnx(bytes)).toThrow(
      `fromOnnx: unsupported op Erf (node "erf_y"); supported: ${ONNX_OPS.join(', ')}`,
    );
  });

  const good = layouts[0]![1];
  test.each([
    ['truncated bytes', () => good.subarray(0, good.length - 7), 'fromOnnx: not an ONNX model'],
    ['random bytes', () => Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256), 'fromOnnx: '],
    [
      'no graph',
      () => toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n })),
      'fromOnnx: the file has no graph',
    ],
    [
      'an integer initializer',
      () =>
        model(
          [op('Gemm', ['x', 'W', 'b'], 'y')],
          [
            create(TensorProtoSchema, {
              name: 'W',
              dims: [3n, 1n],
              dataType: TensorProto_DataType.INT64,
              int64Data: [1n, 2n, 3n],
            }),
            weight('b', [0], [1]),
          ],
          3,
          1,
        ),
      'fromOnnx: initializer "W" has element type 7; adjoint reads FLOAT (1) and DOUBLE (11)',
    ],
    [
      'huge declared dims',
      () =>
        model(
          [op('Gemm', ['x', 'W', 'b'], 'y')],
          [
            create(TensorProtoSchema, {
              name: 'W',
              dims: [1000000n, 1000000n],
              dataType: TensorProto_DataType.FLOAT,
            }),
            weight('b', [0], [1]),
          ],
          3,
          1,
        ),
      'fromOnnx: initializer "W" declares [1000000, 1000000], 1000000000000 elements',
    ],
    [
      'data in an external file',
      () =>
        model(
          [op('Gemm', ['x', 'W', 'b'], 'y')],
          [
            create(TensorProtoSchema, {
              name: 'W',
              dims: [3n, 1n],
              dataType: TensorProto_DataType.FLOAT,
              dataLocation: TensorProto_DataLocation.EXTERNAL,
              externalData: [{ key: 'location', value: '/etc/passwd' }],
            }),
            weight('b', [0], [1]),
          ],
          3,
          1,
        ),
      'fromOnnx: initializer "W" keeps its data in an external file',
    ],
    [
      'fewer numbers than the dims say',
      () =>
        model([op('Gemm', ['x', 'W', 'b'], 'y')], [weight('W', [1, 2], [3, 1]), weight('b', [0], [1])], 3, 1),
      'fromOnnx: initializer "W" has 2 numbers for 3 elements',
    ],
    [
      'a node off the chain',
      () =>
        model(
          [op('Gemm', ['x', 'W', 'b'], 'h', [int('transB', 1)]), op('Relu', ['x'], 'y')],
          [weight('W', [1, 2, 3], [1, 3]), weight('b', [0], [1])],
          3,
          1,
        ),
      'fromOnnx: Relu (node "relu_y") reads "x", not the output before it ("h")',
    ],
    // issue 33: layers whose shapes disagree are refused by name, not loaded as a partial copy
    [
      'a Gemm whose inputs are not the outputs before it ([4, 3] then [2, 3])',
      () =>
        model(
          [
            op('Gemm', ['x', 'W1', 'b1'], 'h', [int('transB', 1)]),
            op('Gemm', ['h', 'W2', 'b2'], 'y', [int('transB', 1)]),
          ],
          [
            weight('W1', numbers(12, 1), [4, 3]),
            weight('b1', numbers(4, 2), [4]),
            weight('W2', numbers(6, 3), [2, 3]),
            weight('b2', numbers(2, 4), [2]),
          ],
          3,
          2,
        ),
      'fromOnnx: Gemm (node "gemm_y"): the weight is [2, 3], where the layers before it need [2, 4]',
    ],
    [
      'a Gemm with more inputs than the outputs before it ([4, 3] then [2, 5])',
      () =>
        model(
          [
            op('Gemm', ['x', 'W1', 'b1'], 'h', [int('transB', 1)]),
            op('Gemm', ['h', 'W2', 'b2'], 'y', [int('transB', 1)]),
          ],
          [
            weight('W1', numbers(12, 1), [4, 3]),
            weight('b1', numbers(4, 2), [4]),
            weight('W2', numbers(10, 3), [2, 5]),
            weight('b2', numbers(2, 4), [2]),
          ],
          3,
          2,
        ),
      'fromOnnx: Gemm (node "gemm_y"): the weight is [2, 5], where the layers before it need [2, 4]',
    ],
  ])('refuses %s with an error saying so', (_what, make, message) => {
    expect(() => fromOnnx(make())).toThrow(message);
  });
});
