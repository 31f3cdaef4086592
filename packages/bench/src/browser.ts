/**
 * The matmul in Chromium: a 1024×1024 float32 product on the page's thread (`a.matmul(b)`), the same
 * with fused multiply-adds (`setMatmulPrecision('high')`: relaxed SIMD, which Chromium has), and on Web
 * Workers (`matmulAsync`, the page cross-origin isolated), interleaved, medians with min–max. Served from
 * 127.0.0.1 with COOP/COEP headers, in the system's Chromium (CHROMIUM overrides /usr/bin/chromium).
 *
 *   npx -y pnpm@10 bench:browser [n] [repetitions]
 */
import { chromium } from 'playwright';
import { servePage } from './page.js';

const n = Number(process.argv[2] ?? 1024);
const repetitions = Number(process.argv[3] ?? 9);

const page = `
import { getNumThreads, matmulAsync, randn, setMatmulPrecision } from '@adjoint/autograd';
const n = ${n};
const a = randn([n, n], { seed: 1, dtype: 'float32' });
const b = randn([n, n], { seed: 2, dtype: 'float32' });
const times = { main: [], fused: [], workers: [] };
await matmulAsync(a, b);
a.matmul(b);
for (let r = 0; r < ${repetitions}; r++) {
  let t = performance.now();
  a.matmul(b);
  times.main.push(performance.now() - t);
  setMatmulPrecision('high');
  t = performance.now();
  a.matmul(b);
  times.fused.push(performance.now() - t);
  setMatmulPrecision('highest');
  t = performance.now();
  await matmulAsync(a, b);
  times.workers.push(performance.now() - t);
}
window.result = { times, threads: getNumThreads(), isolated: crossOriginIsolated };
`;

const { url, server } = await servePage(page, {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const tab = await browser.newPage();
  await tab.goto(url);
  await tab.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, {
    timeout: 600_000,
  });
  const { times, threads, isolated } = (await tab.evaluate(
    () => (globalThis as { result?: unknown }).result,
  )) as {
    times: { main: number[]; fused: number[]; workers: number[] };
    threads: number;
    isolated: boolean;
  };
  const flops = 2 * n ** 3;
  const summary = (ts: number[]) => {
    const sorted = [...ts].sort((x, y) => x - y);
    const median = sorted[sorted.length >> 1]!;
    return {
      median,
      text: `${median.toFixed(1)} ms (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)}), ${(flops / median / 1e6).toFixed(1)} GFLOP/s`,
    };
  };
  const main = summary(times.main);
  const fused = summary(times.fused);
  const workers = summary(times.workers);
  console.log(
    `matmul ${n}×${n} float32 in Chromium, median of ${repetitions} (cross-origin isolated: ${isolated})`,
  );
  console.log(`  page thread (a.matmul(b))          ${main.text}`);
  console.log(`  page thread, 'high' (fused)        ${fused.text}`);
  console.log(`  fused ÷ exact                      ${(main.median / fused.median).toFixed(2)}×`);
  console.log(`  ${threads} Web Workers (matmulAsync)      ${workers.text}`);
  console.log(`  workers ÷ page thread              ${(main.median / workers.median).toFixed(2)}×`);
} finally {
  await browser.close();
  server.close();
}
