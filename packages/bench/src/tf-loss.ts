import type * as tfjs from '@tensorflow/tfjs';

/**
 * One TF.js training step's loss: `minimize` run in a tidy scope, its loss read synchronously (the CPU
 * and WebAssembly backends), or awaited (`readAsync`: WebGPU, whose values cannot be read at once).
 */
export function tfLoss(tf: typeof tfjs, minimize: () => tfjs.Scalar, readAsync: boolean): unknown {
  const value = tf.tidy(minimize);
  if (!readAsync) {
    const loss = value.dataSync()[0];
    value.dispose();
    return loss;
  }
  return value.data().then((data) => {
    value.dispose();
    return data[0];
  });
}
