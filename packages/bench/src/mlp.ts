// The peers' steps of the MLP workloads (W2, W3): jax-js traced once by jit, TF.js's optimizer.minimize,
// both from adjoint's own initial parameters, so every library trains the same network.
import { createRequire } from 'node:module';
import type { Tensor } from '@adjoint/autograd';
import { type MlpSpec, mlp } from '@adjoint/nn';
import * as jax from '@jax-js/jax';
import type { Contestant } from './harness.js';

const require = createRequire(import.meta.url);
/** TF.js, loaded as CommonJS: its ES build does not load in Node.js. */
export const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
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
  spec: MlpSpec,
  X: Float32Array,
  Y: Float32Array,
  xShape: number[],
  yShape: number[],
  loss: 'hinge' | 'xent',
) {
  const vars = initialLayers(spec).flatMap((l) => [
    tf.variable(tf.tensor(l.w, l.shape)),
    tf.variable(tf.tensor(l.b, [l.b.length])),
  ]);
  const x = tf.tensor(X, xShape);
  const y = tf.tensor(Y, yShape);
  const optimizer = tf.train.sgd(0.05);
  return () =>
    tf.tidy(() => {
      const value = optimizer.minimize(() => {
        let h: import('@tensorflow/tfjs').Tensor = x;
        for (let i = 0; i < vars.length; i += 2) {
          h = tf.add(tf.matMul(h, vars[i]!), vars[i + 1]!);
          if (i + 2 < vars.length) h = tf.relu(h);
        }
        if (loss === 'hinge') {
          const margins = tf.mean(tf.relu(tf.add(tf.mul(tf.neg(y), h), 1)));
          return tf.add(
            margins,
            tf.mul(tf.addN(vars.map((v) => tf.sum(tf.square(v)))), 1e-4),
          ) as import('@tensorflow/tfjs').Scalar;
        }
        return tf.losses.softmaxCrossEntropy(y, h) as import('@tensorflow/tfjs').Scalar;
      }, true);
      return value!.dataSync()[0];
    });
}

export async function setTfBackend(name: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
}

/** A TF.js contestant: switches to its backend before each step (both backends share one engine). */
export function tfContestant(name: string, backend: 'cpu' | 'wasm', make: () => () => unknown): Contestant {
  let step: (() => unknown) | null = null;
  return {
    name,
    step: async () => {
      if (tf.getBackend() !== backend) await setTfBackend(backend);
      step ??= make();
      return step();
    },
  };
}
