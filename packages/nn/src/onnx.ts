/**
 * `@adjoint/nn/onnx`: models in and out of ONNX. An entry of its own, as it brings the protobuf runtime
 * and the ONNX schema (onnx-buf) that the rest of the package does without.
 */
import {
  checkOptions,
  type DType,
  describe,
  formatShape,
  LEAKY_SLOPE,
  MAX_ELEMENTS,
  tensor,
} from '@adjoint/autograd';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type TensorProto,
  TensorProto_DataLocation,
  TensorProto_DataType,
  TensorProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import { Activation, Linear, type Module, Sequential } from './module.js';
import type { ActivationName } from './spec.js';

// ONNX, written and read with onnx-buf (the ONNX schema compiled for @bufbuild/protobuf). Export covers
// every model mlp() builds; import covers the MLP layouts PyTorch's exporter and ours write: Gemm (with
// or without transB) or MatMul + Add, and the activations, in a chain.

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
}

/** The ops `fromOnnx` reads (Mul and Max only as the pair Max(x, 0.01·x), leakyRelu as `toOnnx` writes it in float64). */
export const ONNX_OPS = [
  'Gemm',
  'MatMul',
  'Add',
  'Relu',
  'LeakyRelu',
  'Tanh',
  'Sigmoid',
  'Softmax',
  'Identity',
  'Flatten',
  'Mul',
  'Max',
] as const;

const ELEMENT = { float32: TensorProto_DataType.FLOAT, float64: TensorProto_DataType.DOUBLE } as const;

/**
 * The ONNX bytes of a Tensor-engine model (`mlp`): an input [batch, inputs] with a symbolic batch
 * dimension, each Linear as Gemm(x, W, b) with transB (W kept [out, in], as PyTorch exports it), the
 * activations, and weights as initializers named as PyTorch's state_dict. leakyRelu in float64 is
 * written as Max(x, slope·x), as ONNX Runtime has no float64 LeakyRelu kernel.
 */
export function toOnnx(model: Sequential, options: OnnxOptions = {}): Uint8Array {
  checkOptions('toOnnx', options, ['dtype', 'opset', 'inputName', 'batch']);
  const { dtype = 'float32', opset = 17, inputName = 'input', batch = 'batch' } = options;
  if (!(model instanceof Sequential))
    throw new TypeError(`toOnnx: expected a Tensor-engine model (mlp), got ${describe(model)}`);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`toOnnx: expected dtype 'float32' or 'float64', got ${describe(dtype)}`);
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new RangeError(`toOnnx: expected opset 13 to 21, got ${describe(opset)}`);
  const elemType = ELEMENT[dtype];
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let current = inputName;
  let width = 0;
  const next = (name: string) => `${name}_${nodes.length}`;
  model.modules.forEach((module, i) => {
    if (module instanceof Linear) {
      if (i === 0) width = module.inFeatures;
      initializers.push(
        initializer(`${i}.weight`, module.weight.data, [module.outFeatures, module.inFeatures], dtype),
      );
      initializers.push(initializer(`${i}.bias`, module.bias.data, [module.outFeatures], dtype));
      const out = next('gemm');
      nodes.push(node('Gemm', [current, `${i}.weight`, `${i}.bias`], out, `${i}`, [int('transB', 1)]));
      [current, width] = [out, module.outFeatures];
    } else if (module instanceof Activation) {
      const name = module.name;
      if (name === 'linear') return;
      const out = next(name);
      if (name === 'leakyRelu' && dtype === 'float64') {
        initializers.push(initializer(`${i}.slope`, Float64Array.of(LEAKY_SLOPE), [], dtype));
        const scaled = `${out}_scaled`;
        nodes.push(node('Mul', [current, `${i}.slope`], scaled, `${i}.mul`));
        nodes.push(node('Max', [current, scaled], out, `${i}`));
      } else if (name === 'leakyRelu')
        nodes.push(node('LeakyRelu', [current], out, `${i}`, [float('alpha', LEAKY_SLOPE)]));
      else if (name === 'softmax') nodes.push(node('Softmax', [current], out, `${i}`, [int('axis', -1)]));
      else nodes.push(node({ relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' }[name], [current], out, `${i}`));
      current = out;
    } else
      throw new TypeError(
        `toOnnx: module ${i} is ${describe(module)}; only Linear and Activation modules export`,
      );
  });
  // the graph's output gets its public name
  if (nodes.length === 0) nodes.push(node('Identity', [current], 'output', 'output'));
  else nodes[nodes.length - 1]!.output = ['output'];
  const value = (name: string, columns: number) =>
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
                { value: { case: 'dimValue', value: BigInt(columns) } },
              ],
            },
          },
        },
      },
    });
  const model_ = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'adjoint',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
    graph: create(GraphProtoSchema, {
      name: 'adjoint',
      node: nodes,
      initializer: initializers,
      input: [value(inputName, (model.modules[0] as Linear | undefined)?.inFeatures ?? width)],
      output: [value('output', width)],
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

function float(name: string, f: number) {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f });
}

/** A weight as an initializer: its numbers as little-endian raw data of `dtype`. */
function initializer(name: string, data: ArrayLike<number>, dims: number[], dtype: DType): TensorProto {
  const size = dtype === 'float32' ? 4 : 8;
  const raw = new Uint8Array(data.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * size, data[i]!, true);
    else view.setFloat64(i * size, data[i]!, true);
  }
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: ELEMENT[dtype], rawData: raw });
}

/**
 * A model from ONNX bytes: a chain of Gemm (transB 0 or 1, alpha and beta 1) or MatMul + Add layers
 * and the activations Relu, LeakyRelu (slope 0.01, as adjoint's), Tanh, Sigmoid, Softmax (last axis),
 * with Identity and Flatten (axis 1) passed over. Weights come from float or double initializers. The
 * file is checked whole before anything is built: an op outside that list is named with its node and the
 * list, and a malformed or hostile file (truncated, wrong types, huge declared dims, external data)
 * gets an error saying so.
 */
export function fromOnnx(bytes: Uint8Array): Sequential {
  const fail = (message: string): never => {
    throw new Error(`fromOnnx: ${message}`);
  };
  if (!(bytes instanceof Uint8Array))
    fail(`expected the file's bytes (a Uint8Array), got ${describe(bytes)}`);
  let model: ModelProto | undefined;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (error) {
    fail(`not an ONNX model (${(error as Error).message})`);
  }
  const graph = model!.graph ?? fail('the file has no graph');
  const weights = new Map<string, { data: Float64Array | Float32Array; dims: number[] }>();
  for (const t of graph.initializer) {
    if (t.dataLocation === TensorProto_DataLocation.EXTERNAL || t.externalData.length > 0)
      fail(
        `initializer "${t.name}" keeps its data in an external file; adjoint reads self-contained models only`,
      );
    const dims = t.dims.map((d) =>
      d < 0n || d > BigInt(MAX_ELEMENTS)
        ? fail(`initializer "${t.name}" declares a dimension of ${d}`)
        : Number(d),
    );
    const size = dims.reduce((n, d) => n * d, 1);
    if (size > MAX_ELEMENTS) fail(`initializer "${t.name}" declares ${formatShape(dims)}, ${size} elements`);
    const dtype =
      t.dataType === TensorProto_DataType.FLOAT
        ? 'float32'
        : t.dataType === TensorProto_DataType.DOUBLE
          ? 'float64'
          : null;
    if (dtype === null)
      fail(`initializer "${t.name}" has element type ${t.dataType}; adjoint reads FLOAT (1) and DOUBLE (11)`);
    weights.set(t.name, { data: tensorData(t, dtype!, size, fail), dims });
  }
  const inputs = graph.input.filter((v) => !weights.has(v.name));
  if (inputs.length !== 1) fail(`expected one graph input besides the initializers, got ${inputs.length}`);
  const modules: Module[] = [];
  let current = inputs[0]!.name;
  let pendingLinear: Linear | null = null;
  const flush = (activation: ActivationName) => {
    if (pendingLinear === null)
      fail(`node before ${activation} is not a layer; adjoint's models alternate layers and activations`);
    modules.push(pendingLinear!, new Activation(activation));
    pendingLinear = null;
  };
  const weight = (name: string | undefined, what: string) =>
    (name !== undefined && weights.get(name)) || fail(`the ${what} "${name}" is not an initializer`);
  const nodes = graph.node;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!;
    const label = `${n.opType} (node "${n.name}")`;
    if (!(ONNX_OPS as readonly string[]).includes(n.opType))
      fail(`unsupported op ${label}; supported: ${ONNX_OPS.join(', ')}`);
    if (n.input[0] !== current)
      fail(
        `${label} reads "${n.input[0]}", not the output before it ("${current}"): only a chain of layers is read`,
      );
    const attr = (name: string) => n.attribute.find((a) => a.name === name);
    if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      if (pendingLinear !== null) flush('linear');
      const w = weight(n.input[1], 'weight');
      const transB = n.opType === 'Gemm' ? Number(attr('transB')?.i ?? 0n) : 0;
      if (
        n.opType === 'Gemm' &&
        (Number(attr('transA')?.i ?? 0n) !== 0 ||
          (attr('alpha')?.f ?? 1) !== 1 ||
          (attr('beta')?.f ?? 1) !== 1)
      )
        fail(`${label} has transA, alpha or beta other than 0, 1, 1`);
      if (w.dims.length !== 2) fail(`${label}: the weight is ${formatShape(w.dims)}, not a matrix`);
      const [rows, cols] = w.dims as [number, number];
      const [out, inputs_] = transB === 1 ? [rows, cols] : [cols, rows];
      // adjoint keeps W as [out, in], as PyTorch: a weight stored [in, out] is transposed
      const data = transB === 1 ? w.data : transpose(w.data, rows, cols);
      let biasName = n.opType === 'Gemm' ? n.input[2] : undefined;
      let output = n.output[0]!;
      if (n.opType === 'MatMul' && nodes[k + 1]?.opType === 'Add' && nodes[k + 1]!.input[0] === output) {
        biasName = nodes[k + 1]!.input[1];
        output = nodes[k + 1]!.output[0]!;
        k++;
      }
      const bias =
        biasName === undefined || biasName === ''
          ? { data: new Float64Array(out), dims: [out] }
          : weight(biasName, 'bias');
      if (bias.dims.length !== 1 || bias.dims[0] !== out)
        fail(`${label}: the bias is ${formatShape(bias.dims)}, the layer has ${out} outputs`);
      const dtype: DType = w.data instanceof Float32Array ? 'float32' : 'float64';
      pendingLinear = new Linear(
        tensor(data, { shape: [out, inputs_], dtype }),
        tensor(bias.data, { dtype }),
      );
      current = output;
      continue;
    }
    if (n.opType === 'Add') fail(`${label} adds to something other than a MatMul's output`);
    if (n.opType === 'Mul') {
      // Max(x, slope·x): leakyRelu as toOnnx writes it in float64, where ONNX Runtime has no LeakyRelu
      const slope = weights.get(n.input[1] ?? '');
      const max = nodes[k + 1];
      const isLeaky =
        slope?.data.length === 1 &&
        Math.abs(slope.data[0]! - LEAKY_SLOPE) <= 1e-6 &&
        max?.opType === 'Max' &&
        max.input.length === 2 &&
        max.input.includes(current) &&
        max.input.includes(n.output[0]!);
      if (!isLeaky) fail(`${label} is not the Mul of a Max(x, ${LEAKY_SLOPE}·x) pair (leakyRelu)`);
      flush('leakyRelu');
      current = max!.output[0]!;
      k++;
      continue;
    }
    if (n.opType === 'Identity' || n.opType === 'Flatten') {
      if (n.opType === 'Flatten' && Number(attr('axis')?.i ?? 1n) !== 1)
        fail(`${label} flattens from axis ${attr('axis')?.i}; adjoint reads axis 1`);
      current = n.output[0]!;
      continue;
    }
    if (n.opType === 'LeakyRelu' && Math.abs((attr('alpha')?.f ?? 0.01) - LEAKY_SLOPE) > 1e-6)
      fail(`${label} has slope ${attr('alpha')?.f}; adjoint's leakyRelu has ${LEAKY_SLOPE}`);
    if (n.opType === 'Softmax' && ![-1, 1].includes(Number(attr('axis')?.i ?? -1n)))
      fail(`${label} is over axis ${attr('axis')?.i}; adjoint's is the last`);
    flush(
      (
        {
          Relu: 'relu',
          LeakyRelu: 'leakyRelu',
          Tanh: 'tanh',
          Sigmoid: 'sigmoid',
          Softmax: 'softmax',
        } as const
      )[n.opType as 'Relu'],
    );
    current = n.output[0]!;
  }
  if (pendingLinear !== null) flush('linear');
  if (modules.length === 0) fail('the graph has no layer');
  if (!graph.output.some((o) => o.name === current))
    fail(`the chain ends at "${current}", which is not the graph's output`);
  return new Sequential(modules);
}

/** An initializer's numbers, from raw_data (little-endian) or the typed fields, checked against its size. */
function tensorData(
  t: TensorProto,
  dtype: DType,
  size: number,
  fail: (message: string) => never,
): Float32Array | Float64Array {
  const bytes = dtype === 'float32' ? 4 : 8;
  if (t.rawData.length > 0) {
    if (t.rawData.length !== size * bytes)
      fail(`initializer "${t.name}" has ${t.rawData.length} bytes for ${size} elements`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
    for (let i = 0; i < size; i++)
      out[i] = dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
    return out;
  }
  const list = dtype === 'float32' ? t.floatData : t.doubleData;
  if (list.length !== size) fail(`initializer "${t.name}" has ${list.length} numbers for ${size} elements`);
  return dtype === 'float32' ? Float32Array.from(list) : Float64Array.from(list);
}

function transpose(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
): Float32Array | Float64Array {
  const out = new (data.constructor as Float64ArrayConstructor)(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}
