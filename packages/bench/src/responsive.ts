/// <reference lib="dom" />
/**
 * How live a page stays while adjoint trains in it: the long tasks (50 ms or more, as Chromium reports
 * them) a page runs, measured in the system's Chromium. Two pages, `repetitions` runs each:
 *
 * - fitAsync on the page's thread: the MNIST MLP (784-128-64-10, batch 128, float32, accuracy and a
 *   validation split) on 2,304 seeded images of MNIST's shape, six epochs, fitAsync's default slices;
 * - the built playground (run `npx -y pnpm@10 build` and the playground's `vite build` first; the root's
 *   `bench:responsive` does both): moons from seed 0 trained in its worker from play until 95% accuracy.
 *
 * The tests assert what holds on any machine (the event loop's turn after every batch, a real click
 * answered while it trains); how long the tasks between those turns last depends on the machine and on
 * what else runs on it, so it is measured here: medians with min–max.
 *
 *   npx -y pnpm@10 bench:responsive [repetitions]
 */
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright';
// @ts-expect-error: a plain ES module without types (the playground's own static server)
import { serve } from '../../playground/scripts/serve.mjs';
import { servePage } from './page.js';

const repetitions = Number(process.argv[2] ?? 5);

/** The long tasks a run saw: their count and the longest, in ms (0 when there were none). */
interface Run {
  readonly count: number;
  readonly longest: number;
}

const fitAsyncPage = `
import { Adam, fitAsync, mlp, softmaxCrossEntropy } from '@adjoint/nn';
import { Rng, Tensor } from '@adjoint/autograd';
const rng = new Rng(7);
const n = 2304;
const pixels = new Float32Array(n * 784);
for (let i = 0; i < pixels.length; i++) pixels[i] = rng.uniform();
const x = new Tensor(pixels, [n, 784]);
const y = new Tensor(Float32Array.from({ length: n }, () => rng.int(10)), [n]);
const net = mlp(
  { inputs: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10 }], seed: 0 },
  { dtype: 'float32' },
);
await new Promise((resume) => setTimeout(resume, 0));
const long = [];
const observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
observer.observe({ type: 'longtask' });
const started = performance.now();
await fitAsync(net, { x, y }, {
  loss: softmaxCrossEntropy,
  optimizer: new Adam(net.parameters(), { lr: 1e-3 }),
  epochs: 6,
  batchSize: 128,
  metrics: ['accuracy'],
  validationSplit: 0.1,
});
const ended = performance.now();
await new Promise((resume) => setTimeout(resume, 200));
observer.disconnect();
window.result = long
  .filter((e) => e.startTime + e.duration > started && e.startTime < ended)
  .map((e) => e.duration);
`;

/** One run of fitAsync on a fresh page: the durations of its long tasks. */
async function fitAsyncRun(browser: Browser, url: string): Promise<number[]> {
  const tab = await browser.newPage();
  await tab.goto(url);
  await tab.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, {
    timeout: 600_000,
  });
  const durations = (await tab.evaluate(() => (globalThis as { result?: unknown }).result)) as number[];
  await tab.close();
  return durations;
}

/** One run of the playground: moons from play until 95% accuracy; the durations of its long tasks. */
async function playgroundRun(browser: Browser, url: string): Promise<number[]> {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await tab.addInitScript(() => {
    const long: [number, number][] = [];
    (window as unknown as { long: typeof long }).long = long;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) long.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
  await tab.goto(`${url}#train?data=moons&seed=0`);
  await tab.locator('#network svg').waitFor({ state: 'attached', timeout: 60_000 });
  const started = await tab.evaluate(() => performance.now());
  await tab.click('#play');
  await tab.waitForFunction(
    () => Number(document.querySelector('#stats')?.getAttribute('data-score')) >= 0.95,
    null,
    { timeout: 120_000, polling: 100 },
  );
  const paused = await tab.evaluate(() => performance.now());
  await tab.click('#play');
  await tab.waitForTimeout(300);
  const long = await tab.evaluate(() => (window as unknown as { long: [number, number][] }).long);
  await tab.close();
  return long.filter(([start]) => start >= started && start < paused).map(([, duration]) => duration);
}

const summary = (values: number[], unit: string) => {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => `${Number.isInteger(v) ? v : v.toFixed(0)}${unit}`;
  return `${f(sorted[sorted.length >> 1]!)} (${f(sorted[0]!)}–${f(sorted.at(-1)!)})`;
};

const report = (name: string, runs: Run[]) => {
  console.log(
    `  ${name.padEnd(44)} ${summary(
      runs.map((r) => r.count),
      '',
    ).padEnd(14)} ${summary(
      runs.map((r) => r.longest),
      ' ms',
    )}`,
  );
};

const page = await servePage(fitAsyncPage);
const site = (await serve(fileURLToPath(new URL('../../playground/dist', import.meta.url)))) as {
  server: { close(): void };
  url: string;
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const fit: Run[] = [];
  const playground: Run[] = [];
  // interleaved, so a noisy stretch of the machine falls on both
  for (let r = 0; r < repetitions; r++) {
    for (const [runs, run] of [
      [fit, () => fitAsyncRun(browser, page.url)],
      [playground, () => playgroundRun(browser, site.url)],
    ] as const) {
      const durations = await run();
      runs.push({ count: durations.length, longest: Math.max(0, ...durations) });
    }
  }
  console.log(`long tasks (≥ 50 ms) while training in Chromium, median of ${repetitions} runs (min–max)`);
  console.log(`  ${''.padEnd(44)} ${'count'.padEnd(14)} longest`);
  report('fitAsync, MNIST MLP, six epochs, page thread', fit);
  report('playground, moons to 95%, worker', playground);
} finally {
  await browser.close();
  page.server.close();
  site.server.close();
}
