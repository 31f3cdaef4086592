/// <reference lib="dom" />
import { Rng, Tensor } from '@adjoint/autograd';
import { Adam, fitAsync, mlp, softmaxCrossEntropy } from '@adjoint/nn';
import { expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';

// In Chromium: fitAsync trains the MNIST MLP (784-128-64-10, batch 128, float32, with accuracy and a
// validation split, as the mnist example trains it) on 2,304 seeded images of MNIST's shape, and the page
// stays live: the event loop has its turn after every batch, and a real click (the browser's input
// pipeline, driven by Playwright) lands while it trains and stops it. How long each task takes depends on
// the machine, so it is measured by `pnpm bench:responsive`, not asserted here.
test('fitAsync on the MNIST MLP lets the event loop in after every batch; a real click lands and stops it', async () => {
  const rng = new Rng(7);
  const n = 2304;
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.uniform();
  const labels = Array.from({ length: n }, () => rng.int(10));
  const x = new Tensor(pixels, [n, 784]);
  const y = new Tensor(Float32Array.from(labels), [n]);
  const net = mlp(
    {
      inputs: 784,
      layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10 }],
      seed: 0,
    },
    { dtype: 'float32' },
  );
  const button = document.createElement('button');
  button.textContent = 'click me';
  document.body.append(button);
  const controller = new AbortController();
  let batches = 0;
  let clickedAt = -1;
  button.addEventListener('click', () => {
    clickedAt = batches;
    controller.abort();
  });
  // for each batch, how many batches were done when a timer set right after it ran
  const seen: number[] = [];
  let firstDone = () => {};
  const first = new Promise<void>((resolve) => {
    firstDone = resolve;
  });
  // more epochs than the test waits for: only the click ends this training
  const epochs = 1000;
  const training = fitAsync(
    net,
    { x, y },
    {
      loss: softmaxCrossEntropy,
      optimizer: new Adam(net.parameters(), { lr: 1e-3 }),
      epochs,
      batchSize: 128,
      metrics: ['accuracy'],
      validationSplit: 0.1,
      yieldEvery: 0,
      signal: controller.signal,
      onBatch: () => {
        batches++;
        setTimeout(() => seen.push(batches), 0);
        if (batches === 1) firstDone();
      },
    },
  );
  // clicked once a batch is done: a click can only land during training if training goes on after it
  await first;
  await userEvent.click(button);
  const history = await training;
  button.remove();
  // a turn for the timer set after the last batch
  await new Promise((resume) => setTimeout(resume, 0));

  expect(clickedAt).toBeGreaterThanOrEqual(1);
  expect(history.stopped?.reason).toBe('aborted by its signal');
  // the batch in progress when the click landed finished; none began after it
  expect(batches - clickedAt).toBeLessThanOrEqual(1);
  expect(history.loss.length).toBeLessThan(epochs);
  // every batch's timer ran before the next batch ended
  expect(seen).toEqual(Array.from({ length: batches }, (_, i) => i + 1));
}, 60_000);
