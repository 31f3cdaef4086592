/**
 * `@adjoint/nn/onnx`: models in and out of ONNX. An entry of its own, as it brings the protobuf runtime
 * and the ONNX schema (onnx-buf) that the rest of the package does without.
 *
 * @packageDocumentation
 * @module @adjoint/nn/onnx
 */
import { type DType, internal, LEAKY_SLOPE } from '@adjoint/autograd';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import { Activation, Conv2d, Dropout, Flatten, Linear, Pool2d } from '../layers.js';
import { Sequential } from '../sequential.js';
import { shapesOf } from '../spec.js';
import { specOf } from '../translate.js';
import { ELEMENT } from './onnx-read.js';

const { checkFloat32, checkOptions, describe } = internal;

export { fromOnnx, ONNX_OPS } from './onnx-read.js';

// ONNX, written and read with onnx-buf (the ONNX schema compiled for @bufbuild/protobuf). Export covers
// every model sequential() builds; import (onnx-read.ts) covers the chains PyTorch's exporter and ours
// write: Gemm (with or without transB) or MatMul + Add, Conv, the pools, Flatten, Dropout, activations.

/** Options of `toOnnx`. */
export interface OnnxOptions {
  /** The element type of the graph: 'float32' (default, what ONNX runtimes run fastest) or 'float64'. */
  readonly dtype?: DType;
  /** The opset to declare; 13 to 21 (default 17). */
  readonly opset?: number;
  /** The graph input's name (default 'input'); the output is 'output'. */
  readonly inputName?: string;
  /** The symbolic name of the batch dimension (default 'batch'). */
  readonly batch?: string;
  /**
   * Only ops that ONNX Runtime has a kernel for in `dtype` (default true). In float64 it has none for
   * Conv and AveragePool: a model with such a layer is then refused, naming them; false writes the
   * float64 file anyway (valid ONNX, which `fromOnnx` reads back exactly, though ONNX Runtime cannot).
   */
  readonly portable?: boolean;
}

/** The ops ONNX Runtime (CPU and WebAssembly) has no float64 kernel for, as adjoint's layers export them. */
const NO_FLOAT64_KERNEL = { Conv2d: 'Conv', avgPool: 'AveragePool' } as const;

/**
 * The ONNX bytes of a Tensor-engine model (`sequential` or `mlp`): an input [batch, …] with a symbolic
 * batch dimension, each Linear as Gemm(x, W, b) with transB (W kept [out, in], as PyTorch exports it),
 * each Conv2d as Conv, the pools as MaxPool and AveragePool (count_include_pad, PyTorch's default),
 * Flatten, Dropout (an identity at inference) and the activations, with weights as initializers named
 * as PyTorch's state_dict. leakyRelu in float64 is written as Max(x, slope·x), as ONNX Runtime has no
 * float64 LeakyRelu kernel; a float64 Conv or AveragePool, which it cannot run either, is refused unless
 * `portable` is false.
 *
 * @example
 * {@includeCode ../../doc-examples/to-onnx.ts}
 */
export function toOnnx(model: Sequential, options: OnnxOptions = {}): Uint8Array {
  checkOptions('toOnnx', options, ['dtype', 'opset', 'inputName', 'batch', 'portable']);
  const { dtype = 'float32', opset = 17, inputName = 'input', batch = 'batch', portable = true } = options;
  if (typeof portable !== 'boolean')
    throw new TypeError(`toOnnx: expected portable to be true or false, got ${describe(portable)}`);
  if (!(model instanceof Sequential))
    throw new TypeError(`toOnnx: expected a Tensor-engine model (sequential or mlp), got ${describe(model)}`);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`toOnnx: expected dtype 'float32' or 'float64', got ${describe(dtype)}`);
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new RangeError(`toOnnx: expected opset 13 to 21, got ${describe(opset)}`);
  // the graph's two value names are inputName and 'output', and batch names the first axis of both
  if (typeof inputName !== 'string' || inputName === '' || inputName === 'output')
    throw new TypeError(
      `toOnnx: expected inputName to be a non-empty string other than 'output', got ${describe(inputName)}`,
    );
  if (typeof batch !== 'string' || batch === '')
    throw new TypeError(`toOnnx: expected batch to be a non-empty name, got ${describe(batch)}`);
  if (dtype === 'float64' && portable) {
    const unrunnable = model.modules.flatMap((m, i) => {
      const op =
        m instanceof Conv2d
          ? NO_FLOAT64_KERNEL.Conv2d
          : m instanceof Pool2d && m.kind === 'avgPool'
            ? NO_FLOAT64_KERNEL.avgPool
            : undefined;
      return op === undefined ? [] : [`${op} (module ${i})`];
    });
    if (unrunnable.length > 0)
      throw new Error(
        `toOnnx: ONNX Runtime has no float64 kernel for ${unrunnable.join(', ')}, so this file would not load there; ` +
          "export it in float32 (the default), or pass { dtype: 'float64', portable: false } to write it anyway " +
          '(valid ONNX, which fromOnnx reads back exactly)',
      );
  }
  const spec = specOf(model.modules, model.spec, 'toOnnx');
  const elemType = ELEMENT[dtype];
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let current = inputName;
  const next = (name: string) => `${name}_${nodes.length}`;
  const add = (
    opType: string,
    i: number,
    attributes: ReturnType<typeof int>[] = [],
    inputs: string[] = [],
  ) => {
    const out = next(opType.toLowerCase());
    nodes.push(node(opType, [current, ...inputs], out, `${i}`, attributes));
    current = out;
  };
  const parameter = (i: number, name: string, t: { data: ArrayLike<number>; shape: readonly number[] }) => {
    initializers.push(initializer(`${i}.${name}`, t.data, [...t.shape], dtype));
    return `${i}.${name}`;
  };
  const window = (kernel: readonly number[], stride: readonly number[], padding: readonly number[]) => [
    ints('kernel_shape', kernel),
    ints('strides', stride),
    ints('pads', [...padding, ...padding]),
  ];
  model.modules.forEach((module, i) => {
    if (module instanceof Linear)
      add(
        'Gemm',
        i,
        [int('transB', 1)],
        [parameter(i, 'weight', module.weight), parameter(i, 'bias', module.bias)],
      );
    else if (module instanceof Conv2d) {
      const { stride, padding, dilation, groups } = module.options;
      const attributes = [
        ...window(module.kernel, stride, padding),
        ints('dilations', dilation),
        int('group', groups),
      ];
      add('Conv', i, attributes, [parameter(i, 'weight', module.weight), parameter(i, 'bias', module.bias)]);
    } else if (module instanceof Pool2d) {
      const { stride, padding } = module.options;
      if (module.kind === 'maxPool') add('MaxPool', i, window(module.kernel, stride, padding));
      else add('AveragePool', i, [...window(module.kernel, stride, padding), int('count_include_pad', 1)]);
    } else if (module instanceof Flatten) add('Flatten', i, [int('axis', 1)]);
    else if (module instanceof Dropout) {
      initializers.push(initializer(`${i}.ratio`, Float64Array.of(module.rate), [], dtype));
      add('Dropout', i, [], [`${i}.ratio`]);
    } else if (module instanceof Activation) {
      const name = module.name;
      if (name === 'linear') return;
      if (name === 'leakyRelu' && dtype === 'float64') {
        initializers.push(initializer(`${i}.slope`, Float64Array.of(LEAKY_SLOPE), [], dtype));
        const scaled = next('mul');
        nodes.push(node('Mul', [current, `${i}.slope`], scaled, `${i}.mul`));
        const out = next('max');
        nodes.push(node('Max', [current, scaled], out, `${i}`));
        current = out;
      } else if (name === 'leakyRelu') add('LeakyRelu', i, [float('alpha', LEAKY_SLOPE)]);
      else if (name === 'softmax') add('Softmax', i, [int('axis', -1)]);
      else add({ relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' }[name], i);
    }
  });
  // the graph's output gets its public name
  if (nodes.length === 0) nodes.push(node('Identity', [current], 'output', 'output'));
  else nodes[nodes.length - 1]!.output = ['output'];
  const value = (name: string, dims: readonly number[]) =>
    create(ValueInfoProtoSchema, {
      name,
      type: {
        value: {
          case: 'tensorType',
          value: {
            elemType,
            shape: {
              dim: [
                { value: { case: 'dimParam', value: batch } },
                ...dims.map((d) => ({ value: { case: 'dimValue' as const, value: BigInt(d) } })),
              ],
            },
          },
        },
      },
    });
  const shapes = shapesOf(spec);
  const model_ = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'adjoint',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
    graph: create(GraphProtoSchema, {
      name: 'adjoint',
      node: nodes,
      initializer: initializers,
      input: [value(inputName, typeof spec.inputs === 'number' ? [spec.inputs] : spec.inputs)],
      output: [value('output', shapes[shapes.length - 1]!)],
    }),
  });
  return toBinary(ModelProtoSchema, model_);
}

function node(
  opType: string,
  input: string[],
  output: string,
  name: string,
  attribute = [] as ReturnType<typeof int>[],
): NodeProto {
  return create(NodeProtoSchema, { opType, input, output: [output], name, attribute });
}

function int(name: string, i: number) {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(i) });
}

function ints(name: string, values: readonly number[]) {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.INTS,
    ints: values.map((v) => BigInt(v)),
  });
}

function float(name: string, f: number) {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f });
}

/** A weight as an initializer: its numbers as little-endian raw data of `dtype`. */
function initializer(name: string, data: ArrayLike<number>, dims: number[], dtype: DType): TensorProto {
  // narrowing to float32 has one rule everywhere: a finite number beyond its range is refused, not Infinity
  if (dtype === 'float32') checkFloat32(`toOnnx (${name})`, data);
  const size = dtype === 'float32' ? 4 : 8;
  const raw = new Uint8Array(data.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * size, data[i]!, true);
    else view.setFloat64(i * size, data[i]!, true);
  }
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: ELEMENT[dtype], rawData: raw });
}
