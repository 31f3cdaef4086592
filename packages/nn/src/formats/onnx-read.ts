import { type DType, internal, LEAKY_SLOPE, type Tensor } from '@adjoint/autograd';
import { fromBinary } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  type ModelProto,
  ModelProtoSchema,
  type TensorProto,
  TensorProto_DataLocation,
  TensorProto_DataType,
} from 'onnx-buf';
import { type Sequential, sequential } from '../sequential.js';
import type { ActivationName, ConvSpec, DenseSpec, LayerSpec, ModelSpec } from '../spec.js';

const { checkArity, describe, formatShape, MAX_ELEMENTS } = internal;

// Reading ONNX: the chain of nodes becomes a spec and the parameters, then sequential() builds the model
// and the parameters are copied in, so an imported model is the same object as one built from a spec.

/** @internal The ONNX element types of adjoint's dtypes. */
export const ELEMENT = { float32: TensorProto_DataType.FLOAT, float64: TensorProto_DataType.DOUBLE } as const;

/** The ops `fromOnnx` reads (Mul and Max only as the pair Max(x, 0.01·x), leakyRelu as `toOnnx` writes it in float64). */
export const ONNX_OPS = [
  'Gemm',
  'MatMul',
  'Add',
  'Conv',
  'MaxPool',
  'AveragePool',
  'Relu',
  'LeakyRelu',
  'Tanh',
  'Sigmoid',
  'Softmax',
  'Identity',
  'Flatten',
  'Dropout',
  'Mul',
  'Max',
] as const;

type Weights = Map<string, { data: Float64Array | Float32Array; dims: number[] }>;
/** A layer's weights as the file gives them, with the weight's shape and the node that holds it. */
type Parameters = {
  weight: Float64Array | Float32Array;
  bias: Float64Array | Float32Array;
  shape: readonly number[];
  label: string;
};

const ACTIVATION_OPS = {
  Relu: 'relu',
  LeakyRelu: 'leakyRelu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
  Softmax: 'softmax',
} as const;

/**
 * A model from ONNX bytes: a chain of Gemm (transB 0 or 1, alpha and beta 1) or MatMul + Add layers,
 * Conv (explicit symmetric pads), MaxPool and AveragePool (symmetric pads, floor mode; AveragePool
 * counting the padding, as PyTorch's default, unless there is none), Flatten (axis 1), Dropout, and
 * the activations Relu, LeakyRelu (slope 0.01, as adjoint's), Tanh, Sigmoid, Softmax (last axis), with
 * Identity passed over. Weights come from float or double initializers. The file is checked whole
 * before anything is built: an op outside that list is named with its node and the list, and a
 * malformed or hostile file (truncated, wrong types, huge declared dims, external data) gets an error
 * saying so.
 *
 * @example
 * {@includeCode ../../doc-examples/from-onnx.ts}
 */
export function fromOnnx(bytes: Uint8Array): Sequential {
  // biome-ignore lint/complexity/noArguments: a caller without types may pass an options object it means
  checkArity('fromOnnx', arguments, ['bytes']);
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
  const weights: Weights = new Map();
  for (const t of graph.initializer) weights.set(t.name, readInitializer(t, fail));
  const inputs = graph.input.filter((v) => !weights.has(v.name));
  if (inputs.length !== 1) fail(`expected one graph input besides the initializers, got ${inputs.length}`);
  const inputDims =
    inputs[0]!.type?.value.case === 'tensorType' ? inputs[0]!.type.value.value.shape?.dim : undefined;
  const layers: LayerSpec[] = [];
  const parameters: Parameters[] = [];
  let features: number | undefined; // the first dense layer's inputs, when the model starts with one
  let image = (inputDims?.length ?? 2) === 4; // whether the value flowing is [N, C, H, W]
  let current = inputs[0]!.name;
  let pending: {
    layer: Omit<DenseSpec, 'activation'> | Omit<ConvSpec, 'activation'>;
    parameters: Parameters;
    label: string;
  } | null = null;
  const flush = (activation: ActivationName, label: string) => {
    if (pending === null)
      fail(`node before ${label} is not a layer; adjoint's models put activations after layers`);
    if (activation === 'softmax' && 'kind' in pending!.layer)
      fail(`${label} follows a convolution; adjoint's softmax runs over the last axis of a dense layer`);
    layers.push({ ...pending!.layer, activation } as LayerSpec);
    parameters.push(pending!.parameters);
    pending = null;
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
    const attributes = new Map(n.attribute.map((a) => [a.name, a]));
    const isLayer = ['Gemm', 'MatMul', 'Conv', 'MaxPool', 'AveragePool', 'Flatten', 'Dropout'].includes(
      n.opType,
    );
    if (isLayer && pending !== null) flush('linear', label);
    if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      if (image) fail(`${label} gets an image [N, C, H, W]; a Flatten must come first`);
      const w = weight(n.input[1], 'weight');
      // ONNX (and ONNX Runtime) transpose B for any nonzero transB, as they do transA
      const transB = n.opType === 'Gemm' && integer(attributes.get('transB'), 0) !== 0 ? 1 : 0;
      if (
        n.opType === 'Gemm' &&
        (integer(attributes.get('transA'), 0) !== 0 ||
          (attributes.get('alpha')?.f ?? 1) !== 1 ||
          (attributes.get('beta')?.f ?? 1) !== 1)
      )
        fail(`${label} has transA, alpha or beta other than 0, 1, 1`);
      if (w.dims.length !== 2) fail(`${label}: the weight is ${formatShape(w.dims)}, not a matrix`);
      const [rows, cols] = w.dims as [number, number];
      const [out, ins] = transB === 1 ? [rows, cols] : [cols, rows];
      // adjoint keeps W as [out, in], as PyTorch: a weight stored [in, out] is transposed
      const data = transB === 1 ? w.data : transpose(w.data, rows, cols);
      let biasName = n.opType === 'Gemm' ? n.input[2] : undefined;
      let output = n.output[0]!;
      if (n.opType === 'MatMul' && nodes[k + 1]?.opType === 'Add' && nodes[k + 1]!.input[0] === output) {
        biasName = nodes[k + 1]!.input[1];
        output = nodes[k + 1]!.output[0]!;
        k++;
      }
      const bias = biasName === undefined || biasName === '' ? zeros(data, out) : weight(biasName, 'bias');
      if (bias.dims.length !== 1 || bias.dims[0] !== out)
        fail(`${label}: the bias is ${formatShape(bias.dims)}, the layer has ${out} outputs`);
      if (layers.length === 0) features = ins;
      pending = {
        layer: { units: out },
        parameters: { weight: data, bias: bias.data, shape: [out, ins], label },
        label,
      };
      current = output;
      continue;
    }
    if (n.opType === 'Conv') {
      if (!image) fail(`${label} gets features [N, F]; a convolution takes [N, C, H, W]`);
      const w = weight(n.input[1], 'weight');
      if (w.dims.length !== 4)
        fail(`${label}: the weight is ${formatShape(w.dims)}, not [O, C / groups, kH, kW]`);
      const [out, , kh, kw] = w.dims as [number, number, number, number];
      const kernel = integers(attributes.get('kernel_shape'), [kh, kw]);
      if (kernel[0] !== kh || kernel[1] !== kw)
        fail(`${label}: kernel_shape ${kernel.join('×')} is not the weight's ${kh}×${kw}`);
      const bias =
        n.input[2] === undefined || n.input[2] === '' ? zeros(w.data, out) : weight(n.input[2], 'bias');
      if (bias.dims.length !== 1 || bias.dims[0] !== out)
        fail(`${label}: the bias is ${formatShape(bias.dims)}, the layer has ${out} filters`);
      pending = {
        layer: {
          kind: 'conv',
          filters: out,
          kernel: [kh, kw],
          ...window(label, attributes, fail),
          dilation: pair(label, 'dilations', integers(attributes.get('dilations'), [1, 1]), fail),
          groups: integer(attributes.get('group'), 1),
        },
        parameters: { weight: w.data, bias: bias.data, shape: w.dims, label },
        label,
      };
      current = n.output[0]!;
      continue;
    }
    if (n.opType === 'MaxPool' || n.opType === 'AveragePool') {
      if (!image) fail(`${label} gets features [N, F]; pooling takes [N, C, H, W]`);
      if (integer(attributes.get('ceil_mode'), 0) !== 0)
        fail(`${label} has ceil_mode; adjoint pools in floor mode`);
      if (integers(attributes.get('dilations'), [1, 1]).some((d) => d !== 1))
        fail(`${label} has dilations; adjoint's pools have none`);
      if (integer(attributes.get('storage_order'), 0) !== 0) fail(`${label} has storage_order 1`);
      if (n.output.length > 1 && n.output[1] !== '') fail(`${label} asks for the indices of the maxima`);
      const kernel = pair(label, 'kernel_shape', integers(attributes.get('kernel_shape'), []), fail);
      const { stride, padding } = window(label, attributes, fail);
      if (
        n.opType === 'AveragePool' &&
        integer(attributes.get('count_include_pad'), 0) !== 1 &&
        padding.some((p) => p > 0)
      )
        fail(
          `${label} leaves the padding out of the average; adjoint's avgPool counts it, as PyTorch's default`,
        );
      layers.push({ kind: n.opType === 'MaxPool' ? 'maxPool' : 'avgPool', kernel, stride, padding });
      current = n.output[0]!;
      continue;
    }
    if (n.opType === 'Dropout') {
      const ratio = n.input[1] ? weight(n.input[1], 'ratio').data[0]! : 0.5;
      if (n.input[2]) fail(`${label} has a training_mode input; adjoint reads inference graphs`);
      layers.push({ kind: 'dropout', rate: ratio });
      current = n.output[0]!;
      continue;
    }
    if (n.opType === 'Identity' || n.opType === 'Flatten') {
      if (n.opType === 'Flatten' && integer(attributes.get('axis'), 1) !== 1)
        fail(`${label} flattens from axis ${attributes.get('axis')?.i}; adjoint reads axis 1`);
      if (n.opType === 'Flatten' && image) {
        layers.push({ kind: 'flatten' });
        image = false;
      }
      current = n.output[0]!;
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
      flush('leakyRelu', label);
      current = max!.output[0]!;
      k++;
      continue;
    }
    if (n.opType === 'LeakyRelu' && Math.abs((attributes.get('alpha')?.f ?? 0.01) - LEAKY_SLOPE) > 1e-6)
      fail(`${label} has slope ${attributes.get('alpha')?.f}; adjoint's leakyRelu has ${LEAKY_SLOPE}`);
    if (n.opType === 'Softmax' && ![-1, 1].includes(integer(attributes.get('axis'), -1)))
      fail(`${label} is over axis ${attributes.get('axis')?.i}; adjoint's is the last`);
    flush(ACTIVATION_OPS[n.opType as keyof typeof ACTIVATION_OPS], label);
    current = n.output[0]!;
  }
  if (pending !== null) flush('linear', 'the end');
  if (layers.length === 0) fail('the graph has no layer');
  if (!graph.output.some((o) => o.name === current))
    fail(`the chain ends at "${current}", which is not the graph's output`);
  const dtypes = new Set(parameters.map((p) => (p.weight instanceof Float32Array ? 'float32' : 'float64')));
  if (dtypes.size > 1) fail('the layers mix float and double weights; a model has one dtype');
  const spec: ModelSpec = { inputs: inputsOf(inputDims, features, fail), layers };
  let net: Sequential | undefined;
  try {
    net = sequential(spec, { dtype: dtypes.has('float32') ? 'float32' : ('float64' as DType) });
  } catch (error) {
    fail(`the layers do not fit together: ${(error as Error).message}`);
  }
  const targets = net!.modules.filter((m) => m.parameters().length > 0);
  // every weight where it stands, before any is copied: a layer whose inputs are not what the one before
  // it gives is the file's fault (a partial copy, the rest random, is no model)
  targets.forEach((m, i) => {
    const { shape, label } = parameters[i]!;
    const needed = (m.parameters()[0] as Tensor).shape;
    if (shape.length !== needed.length || shape.some((d, k) => d !== needed[k]))
      fail(
        `${label}: the weight is ${formatShape(shape)}, where the layers before it need ${formatShape(needed)} (the inputs do not match the outputs before)`,
      );
  });
  targets.forEach((m, i) => {
    const [w, b] = m.parameters() as [Tensor, Tensor];
    w.data.set(parameters[i]!.weight);
    b.data.set(parameters[i]!.bias);
  });
  return net!;
}

/** The spec's inputs: the image dims of the graph input, or the first dense layer's inputs. */
function inputsOf(
  dims: readonly { value: { case: string | undefined; value?: unknown } }[] | undefined,
  features: number | undefined,
  fail: (message: string) => never,
): ModelSpec['inputs'] {
  if (features !== undefined) return features;
  const sizes = (dims ?? [])
    .slice(1)
    .map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : Number.NaN));
  if (sizes.length !== 3 || sizes.some((d) => !(d >= 1)))
    fail(
      `the graph input needs fixed channels, height and width for a convolution, got ${sizes.length} dims`,
    );
  return sizes as [number, number, number];
}

/** Strides and padding of a Conv or a pool: symmetric pads only, no auto_pad. */
function window(label: string, attributes: Map<string, AttributeProto>, fail: (message: string) => never) {
  const autoPad = attributes.get('auto_pad');
  if (autoPad !== undefined && new TextDecoder().decode(autoPad.s) !== 'NOTSET')
    fail(`${label} has auto_pad; adjoint reads explicit pads`);
  const pads = integers(attributes.get('pads'), [0, 0, 0, 0]);
  if (pads.length !== 4 || pads[0] !== pads[2] || pads[1] !== pads[3])
    fail(`${label} has pads [${pads.join(', ')}]; adjoint pads the same on both sides`);
  return {
    stride: pair(label, 'strides', integers(attributes.get('strides'), [1, 1]), fail),
    padding: [pads[0]!, pads[1]!] as [number, number],
  };
}

function pair(
  label: string,
  name: string,
  values: number[],
  fail: (message: string) => never,
): [number, number] {
  if (values.length !== 2) fail(`${label}: ${name} has ${values.length} values; a 2-D window has 2`);
  return [values[0]!, values[1]!];
}

function integer(attribute: AttributeProto | undefined, fallback: number): number {
  return attribute === undefined ? fallback : Number(attribute.i);
}

function integers(attribute: AttributeProto | undefined, fallback: number[]): number[] {
  return attribute === undefined ? fallback : attribute.ints.map(Number);
}

function zeros(like: Float32Array | Float64Array, n: number) {
  return { data: new (like.constructor as Float64ArrayConstructor)(n), dims: [n] };
}

/** An initializer's numbers and dims, checked: no external data, sizes in range, float or double. */
function readInitializer(t: TensorProto, fail: (message: string) => never) {
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
  return { data: tensorData(t, dtype!, size, fail), dims };
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
