/**
 * W6: the mnist-cnn example's network (without its dropout, whose masks the peers would draw
 * differently), one SGD step on a batch of 64 images: conv 32 3×3 → ReLU → max pool 2 → conv 64 3×3
 * → ReLU → max pool 2 → flatten → dense 128 → ReLU → dense 10, softmax cross-entropy. Every library starts from adjoint's
 * initial parameters, in its own layout: adjoint and jax-js NCHW with weights [O, C, kH, kW], TF.js
 * NHWC with filters [kH, kW, C, O] (its native layout; its dense weight's rows reordered to H, W, C), so
 * all three compute the same loss.
 */
import { compile, type DType, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { layerShapes, type ModelSpec, SGD, sequential, softmaxCrossEntropy } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import type * as tfjs from '@tensorflow/tfjs';
import { CNN_SPEC } from './networks.js';
import { tfLoss } from './tf-loss.js';

export { CNN_SPEC } from './networks.js';

const np = jax.numpy;
type JaxArray = jax.Array;

const BATCH = 64;
/** W6's learning rate, in every library's step. */
export const LR = 0.05;

/** A seeded batch: images in [0, 1) and their labels, as each library takes them. */
export function cnnBatch() {
  const rng = new Rng(11);
  const images = Float32Array.from({ length: BATCH * 784 }, () => rng.uniform());
  const labels = Array.from({ length: BATCH }, () => rng.int(10));
  const oneHot = Float32Array.from(
    labels.flatMap((l) => Array.from({ length: 10 }, (_, k) => (k === l ? 1 : 0))),
  );
  return { images, labels, oneHot };
}

/** adjoint's initial parameters as float32 arrays with their shapes: conv1 w, b, conv2 w, b, dense1 w, b, dense2 w, b. */
function initial(): { data: Float32Array; shape: number[] }[] {
  return sequential(CNN_SPEC)
    .parameters()
    .map((p) => ({ data: Float32Array.from(p.data), shape: [...p.shape] }));
}

/** The multiply-adds of one step, ×2 for FLOPs: forward, and both adjoints of each conv and the dense layer. */
export const CNN_FLOPS = 2 * 3 * BATCH * multiplyAdds(CNN_SPEC);

/** A spec's multiply-adds per sample in its convolutions and dense layers, from its layer shapes. */
function multiplyAdds(spec: ModelSpec): number {
  const shapes = layerShapes(spec);
  return spec.layers.reduce((total, layer, i) => {
    const before = i === 0 ? [spec.inputs].flat() : shapes[i - 1]!;
    const after = shapes[i]!;
    if ('units' in layer) return total + layer.units * before[0]!;
    if (layer.kind !== 'conv') return total;
    const [kh, kw] = typeof layer.kernel === 'number' ? [layer.kernel, layer.kernel] : layer.kernel;
    const perOutput = (before[0]! / (layer.groups ?? 1)) * kh * kw;
    return total + after.reduce((n, d) => n * d, 1) * perOutput;
  }, 0);
}

/** adjoint's step. */
export function adjointCnnStep(dtype: DType, compiled = false): () => unknown {
  const net = sequential(CNN_SPEC, { dtype });
  const sgd = new SGD(net.parameters(), { lr: LR });
  const { images, oneHot } = cnnBatch();
  const x = tensor(images, { shape: [BATCH, 1, 28, 28], dtype });
  const y = tensor(oneHot, { shape: [BATCH, 10], dtype });
  const step = (xs: Tensor, ys: Tensor) => {
    sgd.zeroGrad();
    const loss = softmaxCrossEntropy(net.forward(xs), ys);
    loss.backward();
    sgd.step();
    return loss;
  };
  const run = compiled ? compile(step) : step;
  return () => run(x, y).item();
}

/** jax-js's step, traced once by jit: lax.conv, max pooling as a max over a reshaped window axis. */
export function jaxCnnStep(): () => Promise<unknown> {
  const { images, oneHot } = cnnBatch();
  let params: JaxArray[] = initial().map((p) => np.array(p.data, { shape: p.shape }));
  const x = np.array(images, { shape: [BATCH, 1, 28, 28] });
  const y = np.array(oneHot, { shape: [BATCH, 10] });
  const pool = (h: JaxArray, c: number, size: number) =>
    np.max(np.max(np.reshape(h, [BATCH, c, size / 2, 2, size / 2, 2]), 5), 3);
  const lossFn = (ps: JaxArray[], xs: JaxArray, ys: JaxArray): JaxArray => {
    const [w1, b1, w2, b2, w3, b3, w4, b4] = ps as JaxArray[] as [JaxArray, ...JaxArray[]];
    const same: [number, number][] = [
      [1, 1],
      [1, 1],
    ];
    let h = jax.lax.conv(xs, w1, [1, 1], same);
    h = pool(np.maximum(np.add(h, np.reshape(b1!, [32, 1, 1])), 0), 32, 28);
    h = jax.lax.conv(h, w2!, [1, 1], same);
    h = pool(np.maximum(np.add(h, np.reshape(b2!, [64, 1, 1])), 0), 64, 14);
    h = np.maximum(np.add(np.matmul(np.reshape(h, [BATCH, 3136]), np.transpose(w3!)), b3!), 0);
    const logits = np.add(np.matmul(h, np.transpose(w4!)), b4!);
    return np.negative(np.mean(np.sum(np.multiply(jax.nn.logSoftmax(logits, -1), ys), -1)));
  };
  const step = jax.jit((ps: JaxArray[], xs: JaxArray, ys: JaxArray) => {
    const [value, grads] = jax.valueAndGrad(lossFn)(
      ps.map((p) => p.ref),
      xs,
      ys,
    );
    return [value, ps.map((p, i) => np.subtract(p, np.multiply(grads[i]!, LR)))] as [JaxArray, JaxArray[]];
  });
  return async () => {
    const [value, next] = step(params, x.ref, y.ref) as unknown as [JaxArray, JaxArray[]];
    params = next;
    return value.data();
  };
}

/** The first dense weight [128, 3136] over (C, H, W) as TF.js's [3136, 128] over (H, W, C). */
function nhwcRows(w: Float32Array): Float32Array {
  const out = new Float32Array(3136 * 128);
  for (let c = 0; c < 64; c++)
    for (let hw = 0; hw < 49; hw++)
      for (let k = 0; k < 128; k++) out[(hw * 64 + c) * 128 + k] = w[k * 3136 + c * 49 + hw]!;
  return out;
}

/** TF.js's step, in its native NHWC layout. */
export function tfCnnStep(tf: typeof tfjs, readAsync = false): () => unknown {
  const { images, oneHot } = cnnBatch();
  const [w1, b1, w2, b2, w3, b3, w4, b4] = initial() as [
    { data: Float32Array; shape: number[] },
    ...{ data: Float32Array; shape: number[] }[],
  ];
  // [O, C, kH, kW] → [kH, kW, C, O]; the dense weight [10, 1568] → [1568, 10]
  const filter = (w: { data: Float32Array; shape: number[] }) =>
    tf.variable(tf.transpose(tf.tensor4d(w.data, w.shape as [number, number, number, number]), [2, 3, 1, 0]));
  const vars = [
    filter(w1),
    tf.variable(tf.tensor1d(b1!.data)),
    filter(w2!),
    tf.variable(tf.tensor1d(b2!.data)),
    tf.variable(tf.tensor2d(nhwcRows(w3!.data), [3136, 128])),
    tf.variable(tf.tensor1d(b3!.data)),
    tf.variable(tf.transpose(tf.tensor2d(w4!.data, [10, 128]))),
    tf.variable(tf.tensor1d(b4!.data)),
  ] as const;
  const x = tf.tensor4d(images, [BATCH, 28, 28, 1]);
  const y = tf.tensor2d(oneHot, [BATCH, 10]);
  const optimizer = tf.train.sgd(LR);
  return () =>
    tfLoss(
      tf,
      () =>
        optimizer.minimize(() => {
          let h = tf.relu(tf.add(tf.conv2d(x, vars[0] as tfjs.Tensor4D, 1, 'same'), vars[1]));
          h = tf.maxPool(h as tfjs.Tensor4D, 2, 2, 'valid');
          h = tf.relu(tf.add(tf.conv2d(h as tfjs.Tensor4D, vars[2] as tfjs.Tensor4D, 1, 'same'), vars[3]));
          h = tf.maxPool(h as tfjs.Tensor4D, 2, 2, 'valid');
          h = tf.relu(tf.add(tf.matMul(tf.reshape(h, [BATCH, 3136]), vars[4]), vars[5]));
          const logits = tf.add(tf.matMul(h, vars[6]), vars[7]);
          return tf.losses.softmaxCrossEntropy(y, logits) as tfjs.Scalar;
        }, true)!,
      readAsync,
    );
}
