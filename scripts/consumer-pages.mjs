// The consumer test's pages, read in Chromium: how a page's result is awaited, and the page that runs
// the installed '@adjoint/autograd/webgpu', and the checks of both pages' results.

/** The page on the GPU: WebGPU set up, a product and its gradient on it, read back. */
export const GPU_PROGRAM = `
import { tensor } from '@adjoint/autograd';
import { webgpu } from '@adjoint/autograd/webgpu';
const gpu = await webgpu();
const a = tensor([[1, 2], [3, 4]], { device: 'webgpu', requiresGrad: true });
const y = a.matmul(a).sum();
y.backward();
window.result = { device: a.grad.device, y: await y.toArrayAsync(), grad: await a.grad.toArrayAsync(), errors: gpu.stats().errors };
`;

/** What GPU_PROGRAM finds, in a Chromium with WebGPU (on SwiftShader where the machine has no GPU). */
export async function onGpu(browser, url) {
  const { result, errors } = await pageResult(browser, url);
  // a·a = [[7, 10], [15, 22]]: its sum 54, and d/da of Σ(a·a) = 1·aᵀ + aᵀ·1
  const expected = {
    device: 'webgpu',
    y: 54,
    grad: [
      [7, 11],
      [9, 13],
    ],
    errors: [],
  };
  if (errors.length > 0 || JSON.stringify(result) !== JSON.stringify(expected))
    throw new Error(`wrong results: ${JSON.stringify(result)} ${errors.join('; ')}`);
  return JSON.stringify(result);
}

/** A page's `window.result` once it is set, and the errors it reported (its uncaught ones and console errors). */
export async function pageResult(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(url);
  try {
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
  } catch {
    throw new Error(`the page never finished: ${errors.join('; ') || 'no error reported'}`);
  }
  const result = await page.evaluate(() => window.result);
  await page.close();
  return { result, errors };
}

/** What BROWSER_PROGRAM (consumer-test.mjs) finds in a page: its result, checked, as JSON. */
export async function inChromium(browser, url) {
  const { result, errors } = await pageResult(browser, url);
  if (errors.length > 0) throw new Error(errors.join('; '));
  if (
    result.cube !== 12 ||
    JSON.stringify(result.matmul) !== '[[8,12],[8,12]]' ||
    result.xor !== 1 ||
    result.compiledMatches !== true ||
    result.onnxMatches !== true ||
    (result.evalAllowed ? result.fusedLoops < 1 : result.fusedLoops !== 0)
  )
    throw new Error(`wrong results: ${JSON.stringify(result)}`);
  return JSON.stringify(result);
}
