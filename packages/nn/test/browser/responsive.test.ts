/// <reference lib="dom" />
import { Rng, Tensor } from '@adjoint/autograd';
import { Adam, fitAsync, mlp, softmaxCrossEntropy } from '@adjoint/nn';
import { expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';

// In Chromium only, in a run of its own after the rest (see vitest.config.ts): fitAsync keeps a page responsive while
// it trains the MNIST MLP (784-128-64-10, batch 128, float32, with accuracy and a validation split, as
// the mnist example trains it), on 2,304 seeded images of MNIST's shape. Every task the page runs stays
// under 50 ms, the line above which Chromium reports a long task, and a real click (the browser's input
// pipeline, driven by Playwright) lands while it trains.
test('fitAsync on the MNIST MLP runs no task of 50 ms or more, and the page answers a click during training', async () => {
  // not a browser that reports long tasks: fail here, loudly, rather than pass without measuring
  expect(PerformanceObserver.supportedEntryTypes).toContain('longtask');
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
  let batches = 0;
  let clickedAt = -1;
  button.addEventListener('click', () => {
    clickedAt = batches;
  });
  // the data and model above are the test's own work: fitAsync starts in a task of its own
  await new Promise((resume) => setTimeout(resume, 0));
  const long: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  const times: string[] = [];
  const started = performance.now();
  const epochs = 6;
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
      callbacks: [
        {
          onTrainBegin: () => times.push(`begin ${(performance.now() - started).toFixed(1)}`),
          onBatchBegin: (b) => b < 2 && times.push(`bb ${(performance.now() - started).toFixed(1)}`),
        },
      ],
      onBatch: () => {
        if (batches < 5) times.push(`batch ${batches} ${(performance.now() - started).toFixed(1)}`);
        batches++;
      },
    },
  );
  await userEvent.click(button);
  const history = await training;
  const ended = performance.now();
  // long tasks are reported after they end: give the observer a moment
  await new Promise((resume) => setTimeout(resume, 200));
  observer.disconnect();
  button.remove();

  const perEpoch = Math.ceil((n * 0.9) / 128);
  expect(history.loss).toHaveLength(epochs);
  expect(batches).toBe(epochs * perEpoch);
  // the click was handled while batches were still to come
  expect(clickedAt).toBeGreaterThanOrEqual(0);
  expect(clickedAt).toBeLessThan(epochs * perEpoch);
  const during = long.filter((e) => e.startTime + e.duration > started && e.startTime < ended);
  expect(
    during.map((e) => `${e.duration.toFixed(0)} ms at ${(e.startTime - started).toFixed(0)} ms`),
  ).toEqual([]);
}, 60_000);
