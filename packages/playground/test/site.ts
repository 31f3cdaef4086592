import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright';
import { build } from 'vite';
// @ts-expect-error: a plain ES module without types, shared with the serve and screenshot scripts
import { serve } from '../scripts/serve.mjs';

// The built site, as a user gets it: the packages built to dist/, the site built by Vite on them, served
// from 127.0.0.1 and driven in the system's Chromium (never a downloaded one; missing, these fail).

const root = fileURLToPath(new URL('../../..', import.meta.url));
const site = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Builds the packages and the site, serves it, and launches Chromium; `close` ends both. */
export async function startSite(): Promise<{ browser: Browser; url: string; close: () => Promise<void> }> {
  for (const name of ['autograd', 'nn'])
    execFileSync(process.execPath, [tsc, '-p', `packages/${name}/tsconfig.build.json`], { cwd: root });
  await build({ root: site, logLevel: 'error' });
  const { server, url } = (await serve()) as { server: Server; url: string };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // WebGPU on SwiftShader, for the trainer's GPU option
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
  return {
    browser,
    url,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}
