import {
  arange,
  compile,
  concat,
  customOp,
  detectAnomaly,
  eye,
  full,
  grad,
  hessian,
  hvp,
  internal,
  jacfwd,
  jacrev,
  jvp,
  layerNorm,
  linear,
  linearize,
  noGrad,
  oneHot,
  ones,
  Rng,
  rand,
  randn,
  scaledDotProductAttention,
  setMatmulPrecision,
  setNumThreads,
  sideEffect,
  stack,
  type Tensor,
  tensor,
  toDot,
  Value,
  valueAndGrad,
  vmap,
  where,
  zeros,
} from '@adjoint/autograd';
import { assertClose, gradcheck, numericGrad } from '@adjoint/autograd/testing';
import {
  Activation,
  Adam,
  accuracy,
  BatchNorm1d,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  Conv2d,
  CosineAnnealingLR,
  clipGradNorm,
  clipGradValue,
  confusionMatrix,
  Dataset,
  Dropout,
  EarlyStopping,
  Embedding,
  ExponentialLR,
  earlyStopping,
  Flatten,
  fit,
  fromSafetensors,
  GELU,
  Layer,
  LayerNorm,
  Linear,
  LinearLR,
  layerShapes,
  loadModel,
  loadTrainingState,
  Module,
  ModuleDict,
  ModuleList,
  MultiHeadAttention,
  mlp,
  modelCheckpoint,
  mse,
  Neuron,
  OneCycleLR,
  Pool2d,
  predict,
  predictedClasses,
  progressBar,
  ReduceLROnPlateau,
  ScalarMLP,
  Sequential,
  SequentialLR,
  SGD,
  StepLR,
  sample,
  scalarMlp,
  sequential,
  sidecarPath,
  softmaxCrossEntropy,
  summary,
  takeRows,
  toSafetensors,
  trainingStateToJSON,
  trainingStateToSafetensors,
} from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';
import { describe, expect, test } from 'vitest';

const { checkFloat32, checkOptions, closest } = internal;

// Every public function and constructor of both packages, called with wrong types, NaN, ±Infinity,
// negative or fractional sizes, empty arrays and mismatched lengths. Each call must throw an Error whose
// message names the function and the argument (or its value): never a NaN result, a hang, or a crash
// deep inside a kernel.
const bad = <T>(value: unknown) => value as T;
const t = () => ones([2, 3], { requiresGrad: true });
const v = () => new Value(1);
const cube = customOp({
  name: 'cube',
  forward: (x) => x.mul(x).mul(x),
  vjp: (g, _y, x) => [g.mul(x.mul(x)).mul(3)],
});
const net = () => mlp({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
const snet = () => scalarMlp({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });

const cases: [string, () => unknown, string | RegExp][] = [
  // Value
  [
    'new Value(string)',
    () => new Value(bad('1')),
    'Value: expected data to be a finite number, got the string "1"',
  ],
  ['new Value(NaN)', () => new Value(Number.NaN), 'Value: expected data to be a finite number, got NaN'],
  ['new Value(-Infinity)', () => new Value(Number.NEGATIVE_INFINITY), 'got -Infinity'],
  ['new Value(1, label number)', () => new Value(1, bad(5)), 'Value: expected label to be a string, got 5'],
  [
    'Value.add(string)',
    () => v().add(bad('a')),
    'add: expected a Value or a finite number, got the string "a"',
  ],
  ['Value.pow(NaN)', () => v().pow(Number.NaN), 'pow: expected a Value or a finite number, got NaN'],
  ['Value.mul(Tensor)', () => v().mul(bad(t())), 'mul: expected a Value or a finite number, got Tensor'],
  [
    'Value.leakyRelu(Infinity)',
    () => v().leakyRelu(Number.POSITIVE_INFINITY),
    'leakyRelu: expected slope to be a finite number, got Infinity',
  ],
  [
    'Value.sum(not an array)',
    () => Value.sum(bad('ab')),
    'Value.sum: expected an array, got the string "ab"',
  ],
  [
    'Value.sum with NaN',
    () => Value.sum([v(), Number.NaN]),
    'Value.sum (element 1): expected a Value or a finite number, got NaN',
  ],
  [
    'Value.where(string cond)',
    () => v().where(bad('c'), 0),
    'where: expected a Value or a finite number, got the string "c"',
  ],
  [
    'Value.backward(NaN seed)',
    () => v().mul(2).backward(Number.NaN),
    'backward: expected a Value or a finite number, got NaN',
  ],
  // creation
  [
    'tensor(string)',
    () => tensor(bad('abc')),
    'tensor: element [] must be a finite number, got the string "abc"',
  ],
  [
    'tensor(ragged)',
    () => tensor(bad([[1], [2, 3]])),
    'tensor: ragged nested array: row [1] has length 2, expected length 1',
  ],
  ['tensor(NaN)', () => tensor([1, Number.NaN]), 'tensor: element [1] must be a finite number, got NaN'],
  [
    'tensor(unknown dtype)',
    () => tensor([1], { dtype: bad('float16') }),
    `tensor: expected dtype 'float32' or 'float64', got the string "float16"`,
  ],
  [
    'tensor(beyond float32)',
    () => tensor([3.5e38], { dtype: 'float32' }),
    'tensor: element 0 (3.5e+38) is beyond the range of float32',
  ],
  [
    'astype(unknown dtype)',
    () => tensor([1]).astype(bad('int8')),
    `astype: expected dtype 'float32' or 'float64', got the string "int8"`,
  ],
  [
    'backward(seed of another dtype)',
    () =>
      tensor([1, 2], { dtype: 'float32', requiresGrad: true })
        .mul(2)
        .backward(tensor([1, 1])),
    'backward: the seed is float64, the output is float32; cast it with astype()',
  ],
  [
    'tensor(Float64Array with Infinity)',
    () => tensor(Float64Array.of(1, Number.POSITIVE_INFINITY)),
    'tensor: element 1 must be a finite number, got Infinity',
  ],
  [
    'tensor(data, wrong shape)',
    () => tensor([1, 2], { shape: [3] }),
    'tensor: shape [3] holds 3 elements, the data has 2',
  ],
  [
    'tensor(data, fractional shape)',
    () => tensor(Float64Array.of(1, 2), { shape: [1.5] }),
    'tensor: expected sizes to be non-negative integers, got 1.5 at axis 0',
  ],
  ['zeros(string)', () => zeros(bad('3')), 'zeros: expected a shape (an array of sizes), got the string "3"'],
  [
    'zeros(negative)',
    () => zeros([2, -1]),
    'zeros: expected sizes to be non-negative integers, got -1 at axis 1',
  ],
  [
    'ones(NaN size)',
    () => ones([Number.NaN]),
    'ones: expected sizes to be non-negative integers, got NaN at axis 0',
  ],
  [
    'full(Infinity size)',
    () => full([Number.POSITIVE_INFINITY], 1),
    'full: expected sizes to be non-negative integers, got Infinity',
  ],
  ['full(NaN value)', () => full([2], Number.NaN), 'full: expected a finite fill value, got NaN'],
  ['arange(NaN)', () => arange(Number.NaN), 'arange: expected stop to be a finite number, got NaN'],
  ['arange(step 0)', () => arange(0, 3, 0), 'arange: step must not be 0'],
  ['eye(fractional)', () => eye(1.5), 'eye: expected sizes to be non-negative integers, got 1.5'],
  ['rand(no source)', () => rand([2], bad(undefined)), 'rand: expected { seed } or an Rng'],
  [
    'randn(NaN seed)',
    () => randn([2], { seed: Number.NaN }),
    'Rng: expected seed to be a safe integer, got NaN',
  ],
  [
    'randn(negative size)',
    () => randn([-2], { seed: 1 }),
    'randn: expected sizes to be non-negative integers, got -2',
  ],
  ['new Rng(string)', () => new Rng(bad('7')), 'Rng: expected seed to be a safe integer, got the string "7"'],
  ['Rng.int(0)', () => new Rng(1).int(0), 'Rng.int: expected a positive integer, got 0'],
  [
    'Rng.shuffle(string)',
    () => new Rng(1).shuffle(bad<unknown[]>('ab')),
    'Rng.shuffle: expected an array, got the string "ab"',
  ],
  // Tensor
  [
    'Tensor.add(string)',
    () => t().add(bad('x')),
    'add: expected a Tensor or a finite number, got the string "x"',
  ],
  ['Tensor.mul(NaN)', () => t().mul(Number.NaN), 'mul: expected a Tensor or a finite number, got NaN'],
  [
    'Tensor.add(mismatched)',
    () => t().add(ones([3, 2])),
    'add: shapes [2, 3] and [3, 2] cannot be broadcast together',
  ],
  ['Tensor.sum(axis 5)', () => t().sum(5), 'sum: axis 5 is out of range for a tensor of rank 2'],
  ['Tensor.sum(axis 0.5)', () => t().sum(0.5), 'sum: axis 0.5 is out of range'],
  ['Tensor.mean(axis NaN)', () => t().mean(Number.NaN), 'mean: axis NaN is out of range'],
  ['Tensor.max(empty)', () => zeros([0, 2]).max(0), 'max: cannot reduce over 0 elements'],
  ['Tensor.reshape(string)', () => t().reshape(bad('6')), 'reshape: expected a shape, got the string "6"'],
  [
    'Tensor.reshape(NaN)',
    () => t().reshape([Number.NaN]),
    'reshape: expected sizes to be non-negative integers, got NaN',
  ],
  [
    'Tensor.reshape(mismatch)',
    () => t().reshape([4]),
    'reshape: cannot reshape [2, 3] (6 elements) into [4]',
  ],
  [
    'Tensor.transpose(short)',
    () => t().transpose([0]),
    'transpose: expected a permutation of the 2 axes, got [0]',
  ],
  [
    'Tensor.slice(NaN)',
    () => t().slice(1, Number.NaN),
    'slice: position NaN is out of range for an axis of size 3',
  ],
  ['Tensor.slice(fractional)', () => t().slice(1, 0, 1.5), 'slice: position 1.5 is out of range'],
  ['Tensor.slice(backwards)', () => t().slice(1, 2, 1), 'slice: start 2 is after end 1 on axis 1 of size 3'],
  [
    'Tensor.gather(out of range)',
    () => t().gather([[0, 3]], 1),
    'gather: index 3 (element 1 of the index) is out of range for axis 1 of size 3',
  ],
  [
    'Tensor.gather(fractional index)',
    () => t().gather([[0.5]], 1),
    'gather: index 0.5 (element 0 of the index) is out of range',
  ],
  [
    'Tensor.gather(string)',
    () => t().gather(bad('i'), 1),
    'gather: element [] must be a finite number, got the string "i"',
  ],
  [
    'Tensor.slice(NumPy-style)',
    () => t().slice([[0, 1]] as never, 0),
    'slice: takes one axis at a time, as slice(axis, start, end); got an array of length 1 for the axis',
  ],
  ['Tensor.matmul(string)', () => t().matmul(bad('m')), 'matmul: expected a Tensor, got the string "m"'],
  [
    'linear(string weight)',
    () => linear(t(), bad('w')),
    'linear: expected weight to be a Tensor, got the string "w"',
  ],
  [
    'linear(mismatch)',
    () => linear(t(), ones([2, 2])),
    'matmul: expected [..., m, k] @ [..., k, n], got [2, 3] @ [2, 2] (3 != 2)',
  ],
  [
    'layerNorm(string x)',
    () => layerNorm(bad('x'), 3),
    'layerNorm: expected x to be a Tensor, got the string "x"',
  ],
  [
    'layerNorm(empty shape)',
    () => layerNorm(ones([2, 3]), []),
    'layerNorm: expected normalizedShape to be a positive integer or a non-empty list of them, got an array of length 0',
  ],
  [
    'layerNorm(other trailing axes)',
    () => layerNorm(ones([2, 3]), [2, 3, 4]),
    'layerNorm: expected x [..., 2, 3, 4], got [2, 3]',
  ],
  [
    'layerNorm(weight of another shape)',
    () => layerNorm(ones([2, 3]), 3, { weight: ones([2]) }),
    'layerNorm: expected weight [3], got [2]',
  ],
  [
    'layerNorm(string bias)',
    () => layerNorm(ones([2, 3]), 3, { bias: bad('b') }),
    'layerNorm: expected bias to be a Tensor, got the string "b"',
  ],
  [
    'layerNorm(negative eps)',
    () => layerNorm(ones([2, 3]), 3, { eps: -1 }),
    'layerNorm: expected eps to be a finite number ≥ 0, got -1',
  ],
  [
    'layerNorm(unknown option)',
    () => layerNorm(ones([2, 3]), 3, { epss: 1 } as never),
    "layerNorm: unknown option 'epss'; did you mean 'eps'? (options: weight, bias, eps)",
  ],
  [
    'scaledDotProductAttention(string v)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), bad('v')),
    'scaledDotProductAttention: expected v to be a Tensor, got the string "v"',
  ],
  [
    'scaledDotProductAttention(mismatched keys)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 2]), ones([4, 5])),
    'scaledDotProductAttention: expected q [..., L, E], k [..., S, E] and v [..., S, Ev], got q [2, 3], k [4, 2], v [4, 5]',
  ],
  [
    'scaledDotProductAttention(values for other keys)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), ones([5, 3])),
    'scaledDotProductAttention: expected q [..., L, E], k [..., S, E] and v [..., S, Ev], got q [2, 3], k [4, 3], v [5, 3]',
  ],
  [
    'scaledDotProductAttention(unknown option)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), ones([4, 3]), { casual: true } as never),
    "scaledDotProductAttention: unknown option 'casual'; did you mean 'causal'? (options: causal, scale)",
  ],
  [
    'scaledDotProductAttention(scale NaN)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), ones([4, 3]), { scale: Number.NaN }),
    'scaledDotProductAttention: expected scale to be a finite number, got NaN',
  ],
  [
    'scaledDotProductAttention(causal string)',
    () => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), ones([4, 3]), { causal: 'yes' as never }),
    'scaledDotProductAttention: expected causal to be a boolean, got the string "yes"',
  ],
  [
    'Tensor.matmul(mismatch)',
    () => t().matmul(ones([2, 2])),
    'matmul: expected [..., m, k] @ [..., k, n], got [2, 3] @ [2, 2] (3 != 2)',
  ],
  ['Tensor.broadcastTo(smaller)', () => t().broadcastTo([3]), 'broadcastTo: cannot broadcast [2, 3] to [3]'],
  [
    'Tensor.sumTo(unrelated)',
    () => t().sumTo([4]),
    'sumTo: shapes [4] and [2, 3] cannot be broadcast together',
  ],
  [
    'Tensor.leakyRelu(NaN)',
    () => t().leakyRelu(Number.NaN),
    'leakyRelu: expected slope to be a finite number, got NaN',
  ],
  ['Tensor.softmax(axis 2)', () => t().softmax(2), 'softmax: axis 2 is out of range for a tensor of rank 2'],
  [
    'Tensor.where(string)',
    () => t().where(bad('c'), 0),
    'where: expected a Tensor or a finite number, got the string "c"',
  ],
  [
    'Tensor.backward(no seed)',
    () => t().mul(2).backward(),
    'backward: expected a scalar loss, got shape [2, 3]',
  ],
  [
    'Tensor.backward(bad seed)',
    () =>
      t()
        .mul(2)
        .backward(ones([3])),
    'backward: the seed has shape [3], the output has [2, 3]',
  ],
  [
    'Tensor.backward(NaN seed)',
    () => t().sum().backward(Number.NaN),
    'backward: expected a Tensor or a finite number, got NaN',
  ],
  ['Tensor.item(size 6)', () => t().item(), 'item: expected a tensor with one element, got shape [2, 3]'],
  [
    'Tensor.grad = wrong shape',
    () => {
      t().grad = ones([3]);
    },
    'grad: expected shape [2, 3], got [3]',
  ],
  ['concat([])', () => concat([]), 'concat: expected a non-empty array of Tensors, got an array of length 0'],
  ['concat(number)', () => concat([t(), bad(3)]), 'concat: element 1 is 3, not a Tensor'],
  ['concat(axis 4)', () => concat([t()], 4), 'concat: axis 4 is out of range for a tensor of rank 2'],
  ['stack(mismatched)', () => stack([t(), ones([3])]), 'stack: expected equal shapes, got [2, 3], [3]'],
  // functions of functions
  ['setNumThreads(0)', () => setNumThreads(0), 'setNumThreads: expected an integer from 1 to 256, got 0'],
  [
    'setMatmulPrecision',
    () => setMatmulPrecision('fast' as 'high'),
    "setMatmulPrecision: expected 'highest' or 'high', got the string \"fast\"",
  ],
  [
    'overwrite (internal)',
    () => internal.overwrite(tensor([1, 2]), tensor([1, 2, 3])),
    'overwrite: expected a leaf and a tensor of its shape and dtype',
  ],
  [
    'mlp({ device })',
    () => mlp({ inputs: 1, layers: [{ units: 1 }] }, { device: 'tpu' }),
    "to: expected device 'cpu' or 'webgpu', got the string \"tpu\"",
  ],
  ['noGrad(string)', () => noGrad(bad('f')), 'noGrad: expected fn to be a function, got the string "f"'],
  [
    'detectAnomaly(number)',
    () => detectAnomaly(bad(1)),
    'detectAnomaly: expected fn to be a function, got 1',
  ],
  [
    'grad(string)',
    () => grad(bad<() => number>('f')),
    'grad: expected f to be a function, got the string "f"',
  ],
  [
    'grad(f, -1)',
    () => grad((x: Value) => x, bad(-1)),
    'grad: expected argnums to be non-negative integers, got -1',
  ],
  [
    'grad(f, [0.5])',
    () => valueAndGrad((x: Value) => x, [0.5]),
    'grad: expected argnums to be non-negative integers, got 0.5',
  ],
  [
    'grad(f)() with no argument',
    () => grad((x: Value) => x)(...bad<[Value]>([])),
    'grad: argnums 0 is out of range for a call with 0 argument(s)',
  ],
  [
    'grad(f)(string)',
    () => grad((x: Value) => x)(bad('2')),
    'grad: expected a Value or a finite number, got the string "2"',
  ],
  [
    'jvp(string)',
    () => jvp(bad<(x: Value) => Value>('f'), [1], [1]),
    'jvp: expected f to be a function, got the string "f"',
  ],
  ['jvp(f, number)', () => jvp((x: Value) => x, bad(1), [1]), 'jvp: expected primals to be an array, got 1'],
  [
    'jvp with a tangent too few',
    () => jvp((x: Value) => x, [1], bad([])),
    'jvp: expected 1 tangent(s), one per primal, got 0',
  ],
  [
    'jvp with a tangent of another shape',
    () => jvp((x: Tensor) => x, [t()], [tensor([1, 2])]),
    'jvp: tangent 0 has shape [2], its primal [2, 3]',
  ],
  [
    'jvp with a float32 tangent for a float64 primal',
    () => jvp((x: Tensor) => x, [tensor([1, 2])], [tensor([1, 2], { dtype: 'float32' })]),
    'jvp: tangent 0 is float32, its primal float64',
  ],
  [
    'jvp of f returning a string',
    () =>
      jvp(
        bad<(x: Value) => Value>(() => 'y'),
        [1],
        [1],
      ),
    'jvp: f returned the string "y"; expected a Tensor, a Value, a number or an array of them',
  ],
  [
    'linearize(f)(string tangent)',
    () => linearize((x: Tensor) => x, t())[1](bad('v')),
    'linearize: tangent 0 is the string "v"; its primal is a Tensor, so expected a Tensor',
  ],
  [
    'hvp with a Value tangent for a Tensor',
    () => hvp((x: Tensor) => x.sum(), [t()], [bad(new Value(1))]),
    'jvp: tangent 0 is Value; its primal is a Tensor, so expected a Tensor',
  ],
  [
    'jacfwd(f, 1.5)',
    () => jacfwd((x: Tensor) => x, 1.5),
    'jacfwd: expected argnums to be a non-negative integer, got 1.5',
  ],
  [
    'jacrev(f)() with no argument',
    () => jacrev((x: Tensor) => x)(...bad<[Tensor]>([])),
    'jacrev: argnums 0 is out of range for a call with 0 argument(s)',
  ],
  [
    'hessian(string)',
    () => hessian(bad<(x: Tensor) => Tensor>('f')),
    'hessian: expected f to be a function, got the string "f"',
  ],
  [
    'vmap(string)',
    () => vmap(bad<(x: Tensor) => Tensor>('f')),
    'vmap: expected f to be a function, got the string "f"',
  ],
  [
    'vmap with an unknown option',
    () => vmap((x: Tensor) => x, bad({ inAxis: 0 })),
    "vmap: unknown option 'inAxis'; the options are inAxes and outAxes",
  ],
  [
    'vmap with inAxes out of range',
    () => vmap((x: Tensor) => x, { inAxes: 2 })(t()),
    'vmap (inAxes of argument 0): axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)',
  ],
  [
    'vmap with batch sizes that disagree',
    () => vmap((x: Tensor, y: Tensor) => x.add(y))(t(), tensor([1, 2, 3])),
    'vmap: batch sizes disagree: argument 0 has 2 along its axis 0, argument 1 has 3 along axis 0',
  ],
  [
    'vmap with no batched argument',
    () => vmap((x: Tensor) => x, { inAxes: null })(t()),
    'vmap: inAxes maps no argument; at least one must have a batch axis',
  ],
  [
    'vmap over a number',
    () => vmap((x: Tensor) => x)(bad<Tensor>(2)),
    'vmap: argument 0 is 2, which has no axis 0 to map over; give it inAxes null',
  ],
  [
    'vmap reading item() of a batched tensor',
    () => vmap((x: Tensor) => tensor(x.sum().item()))(t()),
    'vmap: item() reads the values of a batched tensor (shape [] per example) inside the mapped function',
  ],
  [
    'vmap with outAxes for the wrong count',
    () => vmap((x: Tensor) => [x, x], { outAxes: [0] })(t()),
    'vmap: outAxes has 1 entries for 2 result(s)',
  ],
  [
    'grad of a non-scalar',
    () => grad((x: Tensor) => x.mul(2))(t()),
    'grad: f must return a scalar, got shape [2, 3]',
  ],
  [
    'customOp({})',
    () => customOp(bad({})),
    'customOp: expected name to be a non-empty string, got undefined',
  ],
  ['customOp op()', () => cube(), 'cube: expected at least one input'],
  [
    'customOp op(string)',
    () => cube(bad('x')),
    'cube: input 0 is the string "x"; expected every input to be a Value',
  ],
  [
    'where(string, ...)',
    () => where(bad('c'), v(), 0),
    'where: expected a Value or a finite number, got the string "c"',
  ],
  ['toDot(number)', () => toDot(bad(3)), 'toDot: expected a Value or a Tensor, got 3'],
  // testing kit
  [
    'numericGrad(string)',
    () => numericGrad(bad<(x: Value) => number>('f'), [v()]),
    'numericGrad: expected f to be a function, got the string "f"',
  ],
  [
    'numericGrad(number input)',
    () => numericGrad((x) => x, [bad(3)]),
    'numericGrad: expected input 0 to be a Value or a Tensor, got 3',
  ],
  [
    'numericGrad(eps -1)',
    () => numericGrad((x) => x, [v()], { eps: -1 }),
    'numericGrad: expected eps to be a positive finite number, got -1',
  ],
  [
    'gradcheck(atol NaN)',
    () => gradcheck((x) => x, [v()], { atol: Number.NaN }),
    'gradcheck: expected atol to be a number ≥ 0, got NaN',
  ],
  [
    'gradcheck(non-scalar)',
    () => gradcheck((x) => x.mul(2), [t()]),
    'gradcheck: f must return a scalar, got shape [2, 3]',
  ],
  ['assertClose(lengths)', () => assertClose([1, 2], [1]), 'assertClose: 2 values against 1 expected'],
  ['assertClose(NaN)', () => assertClose(Number.NaN, 1), 'assertClose: expected NaN to be within 1e-12 of 1'],
  // nn modules
  [
    'mlp(NaN inputs)',
    () => mlp({ inputs: Number.NaN, layers: [{ units: 1, activation: 'tanh' }] }),
    'spec.inputs: expected a positive integer, got NaN',
  ],
  [
    'mlp(bad dtype)',
    () => mlp({ inputs: 1, layers: [{ units: 1, activation: 'tanh' }] }, bad({ dtype: 'half' })),
    `mlp: options.dtype: expected 'float32' or 'float64', got the string "half"`,
  ],
  [
    'mlp(null options)',
    () => mlp({ inputs: 1, layers: [{ units: 1, activation: 'tanh' }] }, bad(null)),
    'mlp: expected options { dtype, device }, got null',
  ],
  [
    'mlp(Infinity units)',
    () => mlp({ inputs: 1, layers: [{ units: Number.POSITIVE_INFINITY, activation: 'tanh' }] }),
    'spec.layers[0].units: expected a positive integer, got Infinity',
  ],
  [
    'scalarMlp(no layers)',
    () => scalarMlp(bad({ inputs: 1 })),
    'spec.layers: expected a non-empty array of { units, activation } or { kind, … }, got undefined',
  ],
  [
    'new Linear(strings)',
    () => new Linear(bad('w'), bad('b')),
    'Linear: expected weight to be a 2-D Tensor [out, in], got the string "w"',
  ],
  [
    'new Linear(bias mismatch)',
    () => new Linear(ones([2, 3]), ones([3])),
    'Linear: expected bias of shape [2], got [3]',
  ],
  [
    'Linear.forward(wrong width)',
    () => (net().modules[0] as Linear).forward(ones([4, 3])),
    'Linear: expected input [..., 2], got [4, 3]',
  ],
  [
    'sequential(dense after conv)',
    () =>
      sequential({
        inputs: [1, 8, 8],
        layers: [
          { kind: 'conv', filters: 2, kernel: 3 },
          { units: 4, activation: 'relu' },
        ],
      }),
    "spec.layers[1]: a dense layer takes features, and gets [2, 6, 6] per sample; put { kind: 'flatten' } before it",
  ],
  [
    'sequential(kernel past the input)',
    () => sequential({ inputs: [1, 4, 4], layers: [{ kind: 'maxPool', kernel: 5 }] }),
    'spec.layers[0]: the output would be 0×0: its input 4×4 is smaller than the kernel 5×5',
  ],
  [
    'sequential(unknown option key)',
    () =>
      sequential(bad({ inputs: [1, 4, 4], layers: [{ kind: 'conv', filters: 2, kernel: 3, strides: 2 }] })),
    'spec.layers[0].strides: unknown field of a conv layer',
  ],
  [
    'layerShapes(groups)',
    () => layerShapes({ inputs: [3, 4, 4], layers: [{ kind: 'conv', filters: 4, kernel: 1, groups: 2 }] }),
    'spec.layers[0].groups: 2 groups must divide the 3 input channels and the 4 filters',
  ],
  [
    'new Conv2d(2-D weight)',
    () => new Conv2d(ones([2, 3]), ones([2])),
    'Conv2d: expected weight to be a 4-D Tensor [O, C / groups, kH, kW], got shape [2, 3]',
  ],
  [
    'Conv2d.forward(channels)',
    () => new Conv2d(ones([2, 3, 1, 1]), ones([2])).forward(ones([1, 4, 2, 2])),
    'conv2d: input has 4 channels, weight expects 3 (weight [2, 3, 1, 1], groups 1)',
  ],
  [
    'new Pool2d(kind)',
    () => new Pool2d(bad('minPool'), [2, 2], { stride: [2, 2], padding: [0, 0] }),
    "Pool2d: expected kind 'maxPool' or 'avgPool', got the string \"minPool\"",
  ],
  [
    'Flatten.forward(rank 1)',
    () => new Flatten().forward(ones([3])),
    'flatten: startAxis 1 is out of range for a tensor of rank 1',
  ],
  ['new Dropout(rate 1)', () => new Dropout(1, new Rng(0)), 'Dropout: expected a rate in [0, 1), got 1'],
  // issue 33: a Dropout without its generator, a mode that is not a boolean, a kernel with an empty axis,
  // a weight that is not a Tensor, fit on no samples
  [
    'new Dropout(rate) without a generator',
    () => new Dropout(0.5, bad(undefined)),
    'Dropout: expected a random generator (an Rng) after the rate, got undefined; pass new Rng(seed)',
  ],
  [
    "Dropout.train('false')",
    () => new Dropout(0.5, new Rng(0)).train(bad('false')),
    'Dropout.train: expected a boolean mode, got the string "false"',
  ],
  [
    'conv2d with a kernel axis of size 0',
    () => ones([1, 1, 4, 4]).conv2d(zeros([2, 1, 0, 3])),
    'conv2d: weight [2, 1, 0, 3] has an empty axis; every axis needs size ≥ 1',
  ],
  [
    'conv2d with a weight that is not a Tensor',
    () => ones([1, 1, 4, 4]).conv2d(bad({ shape: [2, 1, 3, 3] })),
    'conv2d: expected weight to be a Tensor, got',
  ],
  [
    'fit(compile) on no samples',
    () => {
      const net = mlp({ inputs: 2, layers: [{ units: 1, activation: 'linear' }], seed: 1 });
      fit(
        net,
        { x: zeros([0, 2]), y: zeros([0, 1]) },
        { epochs: 1, loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.1 }), compile: true },
      );
    },
    'fit: data has no samples (data.x has shape [0, 2])',
  ],
  [
    'new Activation(unknown)',
    () => new Activation(bad('swish')),
    'Activation: expected one of linear, sigmoid, tanh, relu, leakyRelu, softmax, got the string "swish"',
  ],
  [
    'new Sequential(string)',
    () => new Sequential(bad('ab')),
    'Sequential: expected an array of modules, got the string "ab"',
  ],
  [
    'new Sequential([3])',
    () => new Sequential(bad([3])),
    'Sequential: module 0 is 3, not a Module (a layer, or a class extending Module)',
  ],
  [
    'new Embedding(0, 3)',
    () => new Embedding(0, 3),
    'Embedding: expected count to be a positive integer, got 0',
  ],
  [
    'Embedding.forward(out of range)',
    () => new Embedding(3, 2).forward([[0, 3]]),
    'Embedding: index 3 (at 1) is not an integer in [0, 3)',
  ],
  [
    'LayerNorm.forward(wrong shape)',
    () => new LayerNorm([3, 4]).forward(tensor([[1, 2, 3, 4]])),
    'LayerNorm: expected input [..., 3, 4], got [1, 4]',
  ],
  [
    'new LayerNorm(4, { epsilon })',
    () => new LayerNorm(4, bad({ epsilon: 1e-5 })),
    "LayerNorm: unknown option 'epsilon'",
  ],
  [
    'BatchNorm1d.forward(wrong features)',
    () =>
      new BatchNorm1d(3).forward(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    'BatchNorm1d: expected input [N, 3] or [N, 3, L], got [2, 2]',
  ],
  [
    'new BatchNorm1d(3, { momentum: 2 })',
    () => new BatchNorm1d(3, { momentum: 2 }),
    'BatchNorm1d: expected momentum in [0, 1], got 2',
  ],
  [
    'new MultiHeadAttention(6, 4)',
    () => new MultiHeadAttention(6, 4),
    'MultiHeadAttention: dim 6 is not a multiple of heads 4',
  ],
  [
    'MultiHeadAttention.forward(2-D)',
    () => new MultiHeadAttention(4, 2).forward(tensor([[1, 2, 3, 4]])),
    'MultiHeadAttention: expected input [B, T, 4], got [1, 4]',
  ],
  ['GELU.forward(string)', () => new GELU().forward(bad('x')), 'GELU: expected a Tensor, got the string "x"'],
  [
    'sample(logits, { rng: seed })',
    () => sample(tensor([1, 2]), bad({ rng: 3 })),
    'sample: expected rng to be an Rng, got 3',
  ],
  [
    'sample(3-D logits)',
    () => sample(tensor([[[1, 2]]]), { rng: new Rng(0) }),
    'sample: expected logits [V] or [B, V], got [1, 1, 2]',
  ],
  [
    'new ModuleList([3])',
    () => new ModuleList(bad<Module[]>([3])),
    'ModuleList: item 0 is 3, not a Module (a layer or a class extending Module)',
  ],
  [
    'ModuleList.at(out of range)',
    () => new ModuleList([new Flatten()]).at(1),
    'ModuleList: index 1 is out of range for a list of 1',
  ],
  [
    'new ModuleDict({ a: 3 })',
    () => new ModuleDict(bad<Record<string, Module>>({ a: 3 })),
    'ModuleDict: "a" is 3, not a Module (a layer or a class extending Module)',
  ],
  [
    "ModuleDict name with '.'",
    () => new ModuleDict({ 'a.b': new Flatten() }),
    `ModuleDict: a name must be a non-empty string without '.', got the string "a.b"`,
  ],
  [
    'ModuleDict.get(unknown)',
    () => new ModuleDict({ encoder: new Flatten() }).get('decoder'),
    'ModuleDict: no module "decoder" (it has "encoder")',
  ],
  [
    'Module holding an object of modules',
    () => {
      class Net extends Module {
        heads = { a: new Flatten() };
        forward(x: Tensor): Tensor {
          return x;
        }
      }
      return new Net().parameters();
    },
    'Net.heads is an object of modules, whose parameters would not be found: make it new ModuleDict({...})',
  ],
  [
    'Module holding an array of modules',
    () => {
      class Net extends Module {
        blocks = [new Flatten()];
        forward(x: Tensor): Tensor {
          return x;
        }
      }
      return new Net().parameters();
    },
    'Net.blocks is an array of modules, whose parameters would not be found: make it new ModuleList([...])',
  ],
  [
    'new Neuron(string)',
    () => new Neuron(bad('w'), v()),
    'Neuron: expected w to be a non-empty array of Values, got the string "w"',
  ],
  ['new Neuron(bias number)', () => new Neuron([v()], bad(2)), 'Neuron: expected b to be a Value, got 2'],
  [
    'new Layer([])',
    () => new Layer([], 'tanh'),
    'Layer: expected a non-empty array of Neurons, got an array of length 0',
  ],
  [
    'new ScalarMLP(string)',
    () => new ScalarMLP(bad('l'), bad({})),
    'MLP: expected a non-empty array of Layers, got the string "l"',
  ],
  [
    'ScalarMLP.forward(wrong length)',
    () => snet().forward([1]),
    'MLP: expected a sample of 2 inputs, got an array of length 1',
  ],
  [
    'ScalarMLP.forward(string inputs)',
    () => snet().forward(bad(['a', 2])),
    'MLP: input 0 is the string "a", not a number or a Value',
  ],
  [
    'Neuron.forward(NaN input)',
    () => new Neuron([v()], v()).forward([Number.NaN]),
    'Neuron: input 0 is NaN, not a number or a Value',
  ],
  // losses
  ['mse(string)', () => mse(bad('p'), [1]), 'mse: expected the prediction as a Tensor or an array of Values'],
  [
    'mse(NaN target)',
    () => mse(tensor([1]), [Number.NaN]),
    'mse: the target: element [0] must be a finite number, got NaN',
  ],
  ['mse(mismatch)', () => mse(tensor([1, 2]), [1]), 'mse: prediction shape [2] and target shape [1] differ'],
  ['mse(empty)', () => mse([], []), 'mse: the prediction is empty'],
  [
    'binaryCrossEntropy(string target)',
    () => binaryCrossEntropy(tensor([0.5]), bad('y')),
    'binaryCrossEntropy: the target: element [] must be a finite number, got the string "y"',
  ],
  [
    'binaryCrossEntropyWithLogits(mismatch)',
    () => binaryCrossEntropyWithLogits([v()], [1, 0]),
    'binaryCrossEntropyWithLogits: prediction shape [1] and target shape [2] differ',
  ],
  [
    'softmaxCrossEntropy(fractional label)',
    () => softmaxCrossEntropy(tensor([[1, 2]]), [0.5]),
    'softmaxCrossEntropy: label 0.5 of sample 0 is not a class index in [0, 2)',
  ],
  [
    'softmaxCrossEntropy(string labels)',
    () => softmaxCrossEntropy(tensor([[1, 2]]), bad('y')),
    'softmaxCrossEntropy: expected labels as class indices [N] or one-hot targets [N, C], got the string "y"',
  ],
  // optimizers and training
  [
    'new SGD(no options)',
    () => new SGD([v()], bad(undefined)),
    'SGD: learning rate must be > 0, got undefined',
  ],
  [
    'new SGD(Infinity lr)',
    () => new SGD([v()], { lr: Number.POSITIVE_INFINITY }),
    'SGD: learning rate must be > 0, got Infinity',
  ],
  [
    'new Adam(string betas)',
    () => new Adam([v()], { betas: bad('b') }),
    'Adam: expected betas to be a pair, got the string "b"',
  ],
  [
    'new Adam(string params)',
    () => new Adam(bad('p')),
    'Adam: expected a non-empty array of parameters (Values or Tensors) or of groups, got the string "p"',
  ],
  [
    'fit(string data)',
    () => fit(net(), bad('d'), { loss: mse, optimizer: new SGD(net().parameters(), { lr: 1 }), epochs: 1 }),
    'fit: expected data to be { x, y }, got the string "d"',
  ],
  [
    'fit(NaN in x)',
    () =>
      fit(
        net(),
        { x: [[Number.NaN, 1]], y: [[1]] },
        { loss: mse, optimizer: new SGD(net().parameters(), { lr: 1 }), epochs: 1 },
      ),
    'fit: data.x: element [0, 0] must be a finite number, got NaN',
  ],
  [
    'fit(no loss)',
    () =>
      fit(
        net(),
        { x: [[0, 1]], y: [[1]] },
        bad({ optimizer: new SGD(net().parameters(), { lr: 1 }), epochs: 1 }),
      ),
    'fit: expected options.loss to be a function, got undefined',
  ],
  [
    'fit(no optimizer)',
    () => fit(net(), { x: [[0, 1]], y: [[1]] }, bad({ loss: mse, epochs: 1 })),
    'fit: expected options.optimizer to have step() and zeroGrad(), got undefined',
  ],
  [
    'fit(fractional epochs)',
    () =>
      fit(
        net(),
        { x: [[0, 1]], y: [[1]] },
        { loss: mse, optimizer: new SGD(net().parameters(), { lr: 1 }), epochs: 1.5 },
      ),
    'fit: epochs must be a positive integer, got 1.5',
  ],
  [
    'fit(batchSize NaN)',
    () =>
      fit(
        net(),
        { x: [[0, 1]], y: [[1]] },
        { loss: mse, optimizer: new SGD(net().parameters(), { lr: 1 }), epochs: 1, batchSize: Number.NaN },
      ),
    'fit: batchSize must be a positive integer, got NaN',
  ],
  [
    'takeRows(out of range)',
    () => takeRows(t(), [0, 7]),
    'takeRows: row 7 is out of range for a tensor of 2 rows',
  ],
  ['takeRows(fractional)', () => takeRows(t(), [0.5]), 'takeRows: row 0.5 is out of range'],
  // streamed data
  [
    'Dataset.from(a number)',
    () => Dataset.from(bad(3)),
    'Dataset.from: expected an iterable, an async iterable or a function returning one, got 3',
  ],
  [
    'Dataset.batch(0)',
    () => Dataset.from([1]).batch(0),
    'Dataset.batch: expected size to be a positive integer, got 0',
  ],
  [
    'Dataset.batch(ragged items)',
    () => [...Dataset.from([[1, 2], [3]]).batch(2)],
    'Dataset.batch: batch 0: item 1 has shape [1], item 0 [2]',
  ],
  [
    'Dataset.shuffle(bufferSize 0)',
    () => Dataset.from([1]).shuffle(0),
    'Dataset.shuffle: expected bufferSize to be a positive integer, got 0',
  ],
  [
    'Dataset.take(-1)',
    () => Dataset.from([1]).take(-1),
    'Dataset.take: expected count to be an integer ≥ 0, got -1',
  ],
  [
    'Dataset.repeat(1.5)',
    () => Dataset.from([1]).repeat(1.5),
    'Dataset.repeat: expected count to be an integer ≥ 0 or Infinity, got 1.5',
  ],
  [
    'Dataset.map(not a function)',
    () => Dataset.from([1]).map(bad(3)),
    'Dataset.map: expected a function, got 3',
  ],
  [
    'Dataset.csv(a header not skipped)',
    () => [...Dataset.csv(['a,b\n1,2\n'])],
    'Dataset.csv: line 1, column 1 is "a", not a number',
  ],
  [
    'Dataset.csv(unknown option)',
    () => Dataset.csv([''], bad({ header: true })),
    "Dataset.csv: unknown option 'header'",
  ],
  [
    'fit(Dataset, batchSize)',
    () =>
      fit(net(), Dataset.from([{ x: [[1, 2]], y: [[1]] }]), {
        loss: mse,
        optimizer: new SGD(net().parameters(), { lr: 0.1 }),
        epochs: 1,
        batchSize: 2,
      }),
    'fit: batchSize is for samples in memory; batch the Dataset (dataset.batch(32))',
  ],
  [
    'fit(classWeight missing a class)',
    () => {
      const m = net();
      return fit(
        m,
        {
          x: [
            [1, 2],
            [3, 4],
          ],
          y: [[0], [1]],
        },
        {
          loss: mse,
          optimizer: new SGD(m.parameters(), { lr: 0.1 }),
          epochs: 1,
          classWeight: { 0: 1 },
        },
      );
    },
    'fit: classWeight has no weight for class 1 (sample 1 of data); give one for every class',
  ],
  [
    'fit(sampleWeight too short)',
    () => {
      const m = net();
      return fit(
        m,
        {
          x: [
            [1, 2],
            [3, 4],
          ],
          y: [[0], [1]],
        },
        {
          loss: mse,
          optimizer: new SGD(m.parameters(), { lr: 0.1 }),
          epochs: 1,
          sampleWeight: [1],
        },
      );
    },
    'fit: sampleWeight needs one number per sample of data (2), got 1',
  ],
  [
    'mse(sampleWeight of the wrong length)',
    () => mse(tensor([1, 2]), [1, 2], { sampleWeight: [1, 2, 3] }),
    'mse: sampleWeight has shape [3]; a prediction of shape [2] takes one weight per sample, [2]',
  ],
  ['sidecarPath(not a path)', () => sidecarPath(bad(3)), 'sidecarPath: expected a file path, got 3'],
  [
    'trainingStateToJSON(not an optimizer)',
    () => trainingStateToJSON(bad({ step() {} })),
    'trainingStateToJSON: expected an optimizer (SGD, Adam, AdamW), got',
  ],
  [
    'trainingStateToSafetensors(a schedule that is not one)',
    () => trainingStateToSafetensors(new SGD(net().parameters(), { lr: 1 }), [bad(3)]),
    'trainingStateToSafetensors: schedules[0] is 3, not a schedule (it has no stateDict)',
  ],
  [
    'loadTrainingState(a model file)',
    () => loadTrainingState(JSON.stringify(net().toJSON()), new SGD(net().parameters(), { lr: 1 })),
    'loadTrainingState: expected what trainingStateToJSON or trainingStateToSafetensors saved, got',
  ],
  [
    'Rng.setState(all zero)',
    () => new Rng(1).setState({ s: [0, 0, 0, 0], spare: null }),
    'Rng.setState: expected s to be 4 unsigned 32-bit integers, not all 0',
  ],
  [
    'modelCheckpoint(path and save)',
    () => modelCheckpoint({ path: 'a.json', save: () => {} }),
    'modelCheckpoint: give path (a file, in Node) or save (a function), one of them',
  ],
  [
    'progressBar(stream without write)',
    () => progressBar({ stream: bad({ isTTY: true }) }),
    'progressBar: expected stream to have write()',
  ],
  [
    'summary(not a model)',
    () => summary(bad(3)),
    'summary: expected a model (sequential, mlp or scalarMlp), got 3',
  ],
  // clipping
  [
    'clipGradNorm(NaN)',
    () => clipGradNorm(net().parameters(), Number.NaN),
    'clipGradNorm: expected maxNorm to be a positive number, got NaN',
  ],
  [
    'clipGradNorm(not an array)',
    () => clipGradNorm(bad(3), 1),
    'clipGradNorm: expected an array of parameters',
  ],
  [
    'clipGradValue(0)',
    () => clipGradValue(net().parameters(), 0),
    'clipGradValue: expected clipValue to be a positive number, got 0',
  ],
  // schedules
  [
    'StepLR(no optimizer)',
    () => new StepLR(bad({}), { stepSize: 1 }),
    'StepLR: expected an optimizer with a learning rate',
  ],
  [
    'ExponentialLR(gamma 0)',
    () => new ExponentialLR(new SGD(net().parameters(), { lr: 1 }), { gamma: 0 }),
    'ExponentialLR: expected gamma to be a positive number, got 0',
  ],
  [
    'CosineAnnealingLR(tMax 1.5)',
    () => new CosineAnnealingLR(new SGD(net().parameters(), { lr: 1 }), { tMax: 1.5 }),
    'CosineAnnealingLR: expected tMax to be a positive integer, got 1.5',
  ],
  [
    'LinearLR(startFactor 0)',
    () => new LinearLR(new SGD(net().parameters(), { lr: 1 }), { startFactor: 0 }),
    'LinearLR: expected startFactor to be in (0, 1], got 0',
  ],
  [
    'SequentialLR(one scheduler)',
    () => {
      const o = new SGD(net().parameters(), { lr: 1 });
      return new SequentialLR(o, [new StepLR(o, { stepSize: 1 })], []);
    },
    'SequentialLR: expected two or more schedulers',
  ],
  [
    'OneCycleLR(pctStart 1)',
    () => new OneCycleLR(new SGD(net().parameters(), { lr: 1 }), { maxLr: 1, totalSteps: 10, pctStart: 1 }),
    'OneCycleLR: expected pctStart to be in (0, 1), got 1',
  ],
  [
    'ReduceLROnPlateau(mode)',
    () => new ReduceLROnPlateau(new SGD(net().parameters(), { lr: 1 }), { mode: bad('least') }),
    "ReduceLROnPlateau: expected mode 'min' or 'max'",
  ],
  // callbacks
  [
    'earlyStopping(fractional patience)',
    () => earlyStopping({ patience: 1.5 }),
    'earlyStopping: expected patience to be an integer ≥ 0, got 1.5',
  ],
  [
    'EarlyStopping(baseline ∞)',
    () => new EarlyStopping({ baseline: Number.POSITIVE_INFINITY }),
    'earlyStopping: expected baseline to be a finite number, got Infinity',
  ],
  // metrics and files
  ['accuracy(mismatch)', () => accuracy(tensor([[0.2], [0.9]]), [1]), 'accuracy: 2 predictions but 1 labels'],
  [
    'accuracy(NaN threshold)',
    () => accuracy(tensor([[0.2]]), [1], { threshold: Number.NaN }),
    'accuracy: expected threshold to be a finite number, got NaN',
  ],
  [
    'predictedClasses(string)',
    () => predictedClasses(bad('p')),
    'accuracy: expected a Tensor or an array of Values, got the string "p"',
  ],
  [
    'confusionMatrix(out of range)',
    () => confusionMatrix([5], [0], 2),
    'confusionMatrix: prediction 5 (sample 0) is not a class index in [0, 2)',
  ],
  [
    'confusionMatrix(classes 0)',
    () => confusionMatrix([0], [0], 0),
    'confusionMatrix: expected classes to be a positive integer, got 0',
  ],
  ['loadModel(number)', () => loadModel(5), 'loadModel: expected a model object, got 5'],
  ['loadState(string)', () => net().loadState('{'), 'loadModel: the text is not JSON'],
  [
    'toOnnx(string)',
    () => toOnnx(bad('m')),
    'toOnnx: expected a Tensor-engine model (sequential or mlp), got the string "m"',
  ],
  [
    'toOnnx(unknown option)',
    () => toOnnx(net(), bad({ opsett: 17 })),
    "toOnnx: unknown option 'opsett'; did you mean 'opset'?",
  ],
  // issue 33: toOnnx's options, and a float32 export of a weight beyond float32's range
  [
    'toOnnx(inputName 42)',
    () => toOnnx(net(), { inputName: bad(42) }),
    "toOnnx: expected inputName to be a non-empty string other than 'output', got 42",
  ],
  [
    "toOnnx(inputName '')",
    () => toOnnx(net(), { inputName: '' }),
    'toOnnx: expected inputName to be a non-empty string other than \'output\', got the string ""',
  ],
  [
    "toOnnx(inputName 'output')",
    () => toOnnx(net(), { inputName: 'output' }),
    'toOnnx: expected inputName to be a non-empty string other than \'output\', got the string "output"',
  ],
  [
    'toOnnx(batch {})',
    () => toOnnx(net(), { batch: bad({}) }),
    'toOnnx: expected batch to be a non-empty name, got',
  ],
  [
    'toOnnx(float32) of a weight of 1e39',
    () => {
      const m = net();
      m.parameters()[0]!.data[0] = 1e39;
      return toOnnx(m);
    },
    'toOnnx (0.weight): element 0 (1e+39) is beyond the range of float32',
  ],
  [
    'fromOnnx(string)',
    () => fromOnnx(bad('x')),
    'fromOnnx: expected the file\'s bytes (a Uint8Array), got the string "x"',
  ],
  [
    'toSafetensors(string)',
    () => toSafetensors(bad('m')),
    'toSafetensors: expected a Tensor-engine model (sequential, mlp, or a Module written in code), got the string "m"',
  ],
  [
    'fromSafetensors(string)',
    () => fromSafetensors(bad('x'), { inputs: 1, layers: [{ units: 1, activation: 'linear' }] }),
    'fromSafetensors: expected the file\'s bytes (a Uint8Array), got the string "x"',
  ],
  [
    'checkOptions(misspelt key)',
    () => checkOptions('fit', { epoch: 5 }, ['epochs', 'loss']),
    "fit: unknown option 'epoch'; did you mean 'epochs'? (options: epochs, loss)",
  ],
  // issue 30: an options object where keepDims goes read as true
  [
    'sum(1, { keepdims: true })',
    () => t().sum(1, bad({ keepdims: true })),
    'sum: expected keepDims to be true or false, got',
  ],
  ['mean(0, 1)', () => t().mean(0, bad(1)), 'mean: expected keepDims to be true or false, got 1'],
  // issue 33: checkOptions checks its own arguments
  [
    'checkOptions(a string as the allowed list)',
    () => checkOptions('f', { ab: 1 }, bad('abc')),
    'checkOptions: expected the allowed option names as an array, got the string "abc"',
  ],
  [
    'checkOptions(no allowed list)',
    () => checkOptions('f', { a: 1 }, bad(undefined)),
    'checkOptions: expected the allowed option names as an array, got undefined',
  ],
  [
    'closest(string list)',
    () => closest('x', 'abc' as never),
    'closest: expected a list of names, got the string "abc"',
  ],
  [
    'checkFloat32(1e39)',
    () => checkFloat32('weights', [0, 1e39]),
    'weights: element 1 (1e+39) is beyond the range of float32',
  ],
  ['predict(ragged x)', () => predict(net(), [[0, 1], [2]]), 'predict: x: ragged nested array'],
  [
    'predict(batchSize 0)',
    () => predict(net(), [[0, 1]], { batchSize: 0 }),
    'predict: expected batchSize to be an integer ≥ 1, got 0',
  ],
  [
    'predict(batchSize 2.5)',
    () => predict(net(), [[0, 1]], { batchSize: 2.5 }),
    'predict: expected batchSize to be an integer ≥ 1, got 2.5',
  ],
  [
    'predict(unknown option)',
    () => predict(net(), [[0, 1]], { batch: 2 } as never),
    'predict: unknown option',
  ],
  ['compile(number)', () => compile(3 as never), 'compile: expected a function, got 3'],
  [
    'compile(f)(Float64Array)',
    () => compile((x: unknown) => x)(new Float64Array(2)),
    'compile: argument 0 is Float64Array; a compiled function takes Tensors, numbers, and arrays and plain objects of them',
  ],
  [
    'sideEffect(string)',
    () => sideEffect('x' as never),
    'sideEffect: expected run to be a function, got the string "x"',
  ],
  ['oneHot(array)', () => oneHot([0, 1] as never, 2), 'oneHot: expected labels to be a Tensor, got'],
  [
    'oneHot(classes 0)',
    () => oneHot(tensor([0]), 0),
    'oneHot: expected classes to be a positive integer, got 0',
  ],
  [
    'oneHot([2, 1] labels)',
    () => oneHot(tensor([[0], [1]]), 2),
    'oneHot: expected labels of shape [N], got [2, 1]',
  ],
  [
    'oneHot(label 2.5)',
    () => oneHot(tensor([0, 2.5]), 3),
    'oneHot: label 2.5 of sample 1 is not a class index in [0, 3)',
  ],
];

describe('bad input at every public boundary', () => {
  test.each(cases)('%s throws an Error naming it', (_name, call, message) => {
    expect(call).toThrow(message);
    try {
      call();
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
    }
  });

  test('the table covers every export of both packages', async () => {
    // the `internal` namespace's members count as exports of their own
    const engine = await import('@adjoint/autograd');
    const autograd = [
      ...Object.keys(engine).filter((name) => name !== 'internal'),
      ...Object.keys(engine.internal),
    ];
    const nn = Object.keys(await import('@adjoint/nn'));
    const table = cases.map(([name]) => name).join(' ');
    // names that are types at run time only, flags, error classes or the error formatters need no bad-input case
    const exempt = [
      'describe',
      // async: its rejections are tested in autograd's async.test.ts
      'matmulAsync',
      // its setting, read back: precision.test.ts
      'getMatmulPrecision',
      'MAX_ELEMENTS',
      'ONNX_OPS',
      'formatShape',
      'isGradEnabled',
      'isAnomalyEnabled',
      'getNumThreads',
      'ShapeError',
      'TraceError',
      'Tensor',
      'ACTIVATIONS',
      'LEAKY_SLOPE',
      'INITS',
      'LAYER_KINDS',
      'AdamW',
      'valueAndGrad',
      'stack',
      // oneHot's own rows, and softmaxCrossEntropy's bad labels, run it
      'oneHotFor',
      // predict's, fromOnnx's and fromSafetensors's extra arguments run it (options.test.ts)
      'checkArity',
      // its bad input rejects a promise: fit-async.test.ts
      'fitAsync',
      // the schedules' base classes: each schedule above is one
      'LRScheduler',
      'SteppedSchedule',
    ];
    const missing = [...autograd, ...nn].filter((name) => !exempt.includes(name) && !table.includes(name));
    expect(missing).toEqual([]);
  });
});
