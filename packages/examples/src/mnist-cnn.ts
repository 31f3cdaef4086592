import { Rng, Tensor, tensor } from '@adjoint/autograd';
import {
  Adam,
  type Conv2d,
  fit,
  predict,
  predictedClasses,
  sequential,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { digits, scoreDigits } from './data/digits';
import type { ExampleOutput, RunOptions } from './example';
import { filterGrid, lossCurve } from './plot';
import { mnistCnnSpec } from './specs';

/** What mnistCnnExample returns: test accuracy, training time, confusion matrix, loss per epoch. */
export interface MnistCnnResult extends ExampleOutput {
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly confusion: number[][];
  readonly loss: number[];
}

/**
 * Handwritten digits with a small convolutional network (PyTorch's default initialization, float32),
 * trained with softmax cross-entropy and Adam on the same 8,000/2,000 split of the `mnist` package as
 * the MLP example. The pixels are standardized with MNIST's mean and deviation, each epoch sees the
 * training digits slightly turned, scaled and moved (redrawn every epoch, seeded), and the learning
 * rate decays by a factor each epoch.
 */
export function mnistCnnExample(options: RunOptions = {}): MnistCnnResult {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? (options.quick ? 1 : 7);
  const data = digits(seed, options.quick ? { train: 2000, test: 500 } : undefined);
  const images = (x: Tensor) => x.sub(MEAN).div(DEVIATION).astype('float32').reshape([-1, 1, 28, 28]);
  const [trainX, testX] = [images(data.trainX), images(data.testX)];
  const net = sequential(mnistCnnSpec(seed), { dtype: 'float32' });
  const batchSize = 64;
  const perEpoch = Math.ceil(trainX.shape[0]! / batchSize);
  const optimizer = new Adam(net.parameters(), { lr: LR });
  const loss: number[] = [];
  const testLoss: number[] = [];
  const started = performance.now();
  const distortions = new Rng(seed + 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    optimizer.lr = LR * DECAY ** epoch;
    const history = fit(
      net,
      { x: distorted(trainX, distortions), y: tensor(data.trainLabels) },
      {
        loss: softmaxCrossEntropy,
        optimizer,
        epochs: 1,
        batchSize,
        seed: seed + epoch,
        compile: true, // the step as a compiled program: the same numbers, faster (README, section 7)
        validation: { x: testX, y: tensor(data.testLabels) },
        onBatch: (b) => options.onProgress?.(epoch * perEpoch + b + 1, epochs * perEpoch),
      },
    );
    loss.push(history.loss[0]!);
    testLoss.push(history.valLoss![0]!);
  }
  const seconds = (performance.now() - started) / 1000;
  net.eval();
  // 250 digits at a time: all 2,000 at once would unfold 450 MB of columns for the second convolution
  const predicted = predictedClasses(predict(net, testX, { batchSize: 250 }));
  const score = scoreDigits(predicted, data);
  const { testAccuracy, confusion } = score;
  const conv = net.modules[0] as Conv2d;
  const [filters, , kh, kw] = conv.weight.shape as [number, number, number, number];
  return {
    model: net,
    testAccuracy,
    seconds,
    confusion,
    loss,
    headline: `test accuracy ${(100 * testAccuracy).toFixed(1)}% (${predicted.length} digits), trained in ${seconds.toFixed(1)} s`,
    report: [
      `conv 32 → pool → conv 64 → pool → dense 128 → dropout → dense 10, Adam (lr ${LR}, ×${DECAY} per epoch), batch ${batchSize}, turned ±12°, scaled 0.9–1.1, shifted ±2 px, ${epochs} epoch${epochs === 1 ? '' : 's'} on ${trainX.shape[0]} digits, float32: ${seconds.toFixed(1)} s`,
      ...score.lines,
    ],
    figures: async () => [
      {
        name: 'mnist-cnn-loss',
        svg: await lossCurve('MNIST CNN: cross-entropy per epoch', { train: loss, test: testLoss }),
      },
      {
        name: 'mnist-cnn-filters',
        svg: await filterGrid(
          `MNIST CNN: the ${filters} learned ${kh}×${kw} filters of the first convolution`,
          Array.from({ length: filters }, (_, f) => ({
            pixels: conv.weight.data.subarray(f * kh * kw, (f + 1) * kh * kw),
            width: kw,
            caption: `filter ${f}`,
          })),
        ),
      },
      {
        name: 'mnist-cnn-misclassified',
        svg: await score.misclassified('MNIST CNN: misclassified test digits (true → predicted)'),
      },
    ],
  };
}

/** Adam's first learning rate, and its decay per epoch. */
const LR = 2e-3;
const DECAY = 0.7;
/** MNIST's pixel mean and standard deviation (over its 60,000 training digits, pixels in [0, 1]). */
const MEAN = 0.1307;
const DEVIATION = 0.3081;

/**
 * The images [N, 1, 28, 28], each turned by up to ±12°, scaled by 0.9 to 1.1 and moved by up to 2
 * pixels along each axis about its centre (all drawn from `rng`), by `distortDigit`.
 */
function distorted(x: Tensor, rng: Rng): Tensor {
  const out = new Float32Array(x.data.length);
  for (let k = 0; k < x.shape[0]!; k++) {
    const angle = ((rng.uniform() * 2 - 1) * 12 * Math.PI) / 180;
    const scale = 0.9 + 0.2 * rng.uniform();
    const [dy, dx] = [4 * rng.uniform() - 2, 4 * rng.uniform() - 2];
    const image = x.data.subarray(k * 784, (k + 1) * 784);
    out.set(distortDigit(image, { angle, scale, dy, dx }, -MEAN / DEVIATION), k * 784);
  }
  return new Tensor(out, x.shape);
}

/** How `distortDigit` moves an image: a turn (radians), a scale, and a shift in pixels. */
export interface Distortion {
  readonly angle: number;
  readonly scale: number;
  readonly dy: number;
  readonly dx: number;
}

/**
 * A 28×28 image turned by `angle` and scaled by `scale` about its centre, then moved by (dy, dx):
 * each output pixel reads the input bilinearly at the inverse transform of its position, and where
 * that falls outside the image it is `background`.
 */
export function distortDigit(image: ArrayLike<number>, t: Distortion, background: number): Float32Array {
  const out = new Float32Array(784);
  const at = (r: number, c: number) => (r < 0 || r > 27 || c < 0 || c > 27 ? background : image[r * 28 + c]!);
  const [cos, sin] = [Math.cos(t.angle) / t.scale, Math.sin(t.angle) / t.scale];
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const [v, u] = [r - 13.5 - t.dy, c - 13.5 - t.dx];
      const sr = cos * v - sin * u + 13.5;
      const sc = sin * v + cos * u + 13.5;
      const [r0, c0] = [Math.floor(sr), Math.floor(sc)];
      const [fr, fc] = [sr - r0, sc - c0];
      out[r * 28 + c] =
        (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) +
        fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
    }
  }
  return out;
}
