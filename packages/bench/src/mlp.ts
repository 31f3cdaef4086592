// The peers' steps of the MLP workloads (W2, W3): jax-js traced once by jit, TF.js's optimizer.minimize,
// both from adjoint's own initial parameters, so every library trains the same network.
// Free of Node.js: the GPU page (gpu-page.ts) runs these steps in a browser too.
import type { Tensor } from '@adjoint/autograd';
import { type MlpSpec, mlp } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import type * as tfjs from '@tensorflow/tfjs';
import { tfLoss } from './tf-loss.js';

const np = jax.numpy;
type JaxArray = jax.Array;

/** Initial parameters as plain arrays, from adjoint's own init, so every library starts from the same network. */
export function initialLayers(
  spec: MlpSpec,
): { w: Float32Array; b: Float32Array; shape: [number, number] }[] {
  return (
    mlp(spec).modules.filter((_, i) => i % 2 === 0) as unknown as { weight: Tensor; bias: Tensor }[]
  ).map((l) => ({
    w: Float32Array.from(l.weight.T.data), // stored as [in, out] for x @ w
    b: Float32Array.from(l.bias.data),
    shape: [l.weight.shape[1]!, l.weight.shape[0]!],
  }));
}

export function jaxMlpStep(
  spec: MlpSpec,
  X: Float32Array,
  Y: Float32Array,
  xShape: number[],
  yShape: number[],
  loss: 'hinge' | 'xent',
  dtype: 'f32' | 'f64',
) {
  const cast = (a: JaxArray) => (dtype === 'f64' ? np.astype(a, np.float64) : a);
  let params: JaxArray[] = initialLayers(spec).flatMap((l) => [
    cast(np.array(l.w, { shape: l.shape })),
    cast(np.array(l.b, { shape: [l.b.length] })),
  ]);
  const x = cast(np.array(X, { shape: xShape }));
  const y = cast(np.array(Y, { shape: yShape }));
  const lossFn = (ps: JaxArray[], xs: JaxArray, ys: JaxArray): JaxArray => {
    let h = xs;
    for (let i = 0; i < ps.length; i += 2) {
      h = np.add(np.matmul(h, ps[i]!.ref), ps[i + 1]!.ref); // jax-js moves arrays: keep ps for below
      if (i + 2 < ps.length) h = np.maximum(h, 0);
    }
    if (loss === 'hinge') {
      const margins = np.mean(np.maximum(np.add(np.multiply(np.negative(ys), h), 1), 0));
      return np.add(
        margins,
        np.multiply(
          ps.map((p) => np.sum(np.multiply(p.ref, p))).reduce((a, b) => np.add(a, b)),
          1e-4,
        ),
      );
    }
    for (const p of ps) p.dispose(); // unused by this loss: free them, as move rules ask
    const logp = jax.nn.logSoftmax(h, -1);
    return np.negative(np.mean(np.sum(np.multiply(logp, ys), -1)));
  };
  const lr = 0.05;
  const step = jax.jit((ps: JaxArray[], xs: JaxArray, ys: JaxArray) => {
    const [value, grads] = jax.valueAndGrad(lossFn)(
      ps.map((p) => p.ref),
      xs,
      ys,
    );
    return [value, ps.map((p, i) => np.subtract(p, np.multiply(grads[i]!, lr)))] as [JaxArray, JaxArray[]];
  });
  return async () => {
    const [value, next] = step(params, x.ref, y.ref) as unknown as [JaxArray, JaxArray[]];
    params = next;
    await value.data();
  };
}

export function tfMlpStep(
  tf: typeof tfjs,
  spec: MlpSpec,
  X: Float32Array,
  Y: Float32Array,
  xShape: number[],
  yShape: number[],
  loss: 'hinge' | 'xent',
  readAsync = false,
) {
  const vars = initialLayers(spec).flatMap((l) => [
    tf.variable(tf.tensor(l.w, l.shape)),
    tf.variable(tf.tensor(l.b, [l.b.length])),
  ]);
  const x = tf.tensor(X, xShape);
  const y = tf.tensor(Y, yShape);
  const optimizer = tf.train.sgd(0.05);
  return () =>
    tfLoss(
      tf,
      () =>
        optimizer.minimize(() => {
          let h: tfjs.Tensor = x;
          for (let i = 0; i < vars.length; i += 2) {
            h = tf.add(tf.matMul(h, vars[i]!), vars[i + 1]!);
            if (i + 2 < vars.length) h = tf.relu(h);
          }
          if (loss === 'hinge') {
            const margins = tf.mean(tf.relu(tf.add(tf.mul(tf.neg(y), h), 1)));
            return tf.add(
              margins,
              tf.mul(tf.addN(vars.map((v) => tf.sum(tf.square(v)))), 1e-4),
            ) as tfjs.Scalar;
          }
          return tf.losses.softmaxCrossEntropy(y, h) as tfjs.Scalar;
        }, true)!,
      readAsync,
    );
}
