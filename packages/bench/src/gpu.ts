/**
 * The GPU benchmark: adjoint on WebGPU beside jax-js and TF.js on WebGPU, in one page (gpu-page.ts),
 * served from 127.0.0.1. Speed on SwiftShader means nothing, so the page is for a person with a GPU
 * to open; here and in CI it runs headless on SwiftShader only to check that it completes.
 *
 *   npx -y pnpm@10 bench:gpu                 # prints the page's address; open it in a browser with WebGPU
 *   npx -y pnpm@10 bench:gpu --headless      # runs it in this machine's Chromium, prints the table
 *   … --quick (tiny sizes, one rep)  --out results.json  --query 'sizes=512,1024&reps=5'
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { servePage } from './page.js';

/** What the page leaves in `window.result`. */
export interface GpuResult {
  readonly adapter: string;
  readonly rows: readonly {
    workload: string;
    library: string;
    median: number;
    min: number;
    max: number;
    gflops: number | null;
  }[];
  readonly errors: readonly string[];
}

/** The query of a quick run: sizes and reps small enough for SwiftShader, no warm-up (a check it completes). */
export const QUICK = 'sizes=64&reps=1&warmup=0';

/** Serves the page; resolves to its address and the server. */
export function serveGpuPage() {
  return servePage(`import ${JSON.stringify(fileURLToPath(new URL('./gpu-page.ts', import.meta.url)))};`);
}

/** Runs the page in headless Chromium with WebGPU (SwiftShader where there is no GPU) and returns its result. */
export async function runHeadless(query: string): Promise<GpuResult> {
  const { url, server } = await serveGpuPage();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
  try {
    const page = await browser.newPage();
    // an error on the page ends the wait at once
    const failed = new Promise<never>((_, reject) =>
      page.on('pageerror', (error) => reject(new Error(`the GPU page failed: ${error.message}`))),
    );
    await page.goto(`${url}?${query}`);
    await Promise.race([
      failed,
      page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, {
        timeout: 600_000,
      }),
    ]);
    return (await page.evaluate(() => (globalThis as { result?: unknown }).result)) as GpuResult;
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1]?.endsWith('gpu.ts')) {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(name);
  const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const query = value('--query') ?? (flag('--quick') ? QUICK : '');
  if (!flag('--headless')) {
    const { url } = await serveGpuPage();
    console.log(`The GPU benchmark: open ${url}${query === '' ? '' : `?${query}`} in a browser with WebGPU.`);
    console.log('It prints a table as it goes and offers the results as JSON at the end. Ctrl-C to stop.');
  } else {
    const result = await runHeadless(query);
    console.log(`on ${result.adapter} (SwiftShader: the numbers say nothing of a GPU's speed)`);
    for (const r of result.rows)
      console.log(
        `${r.workload.padEnd(14)} ${r.library.padEnd(22)} ${r.median.toFixed(2).padStart(9)} ms (${r.min.toFixed(2)}–${r.max.toFixed(2)})` +
          (r.gflops === null ? '' : `  ${r.gflops.toFixed(3)} GFLOP/s`),
      );
    const out = value('--out');
    if (out !== undefined) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  }
}
