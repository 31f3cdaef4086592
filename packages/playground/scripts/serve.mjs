/**
 * Serves the built site (dist/) from 127.0.0.1 only: `node scripts/serve.mjs [--port N]` prints its URL.
 * Without --port it takes 5174, or any free port when that one is busy; a busy --port is an error. It
 * stops with exit code 0 on Ctrl+C (SIGINT) or SIGTERM, and when the process that started it ends (so
 * killing the launcher never leaves it serving). Also imported by the end-to-end tests and the
 * screenshot script.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** The site's folder. */
export const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/** Serves `dir` on 127.0.0.1 (`port` 0: any free port); resolves to the server and its URL. */
export async function serve(dir = DIST, port = 0) {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    let path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    try {
      if (!path.startsWith(root)) throw new Error('outside the site');
      if (statSync(path).isDirectory()) path = join(path, 'index.html');
      const body = readFileSync(path);
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/` };
}

/** The port tried first when none is asked for. */
const DEFAULT_PORT = 5174;

/** Prints a usage error in a line, the usage in the next, and exits 2. */
function usageError(message) {
  console.error(`playground: ${message}\nusage: npx -y pnpm@10 playground [--port N]`);
  process.exit(2);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' } } }));
  } catch (error) {
    usageError(error.message.split('.')[0]);
  }
  const asked = values.port === undefined ? undefined : Number(values.port);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0 || asked > 65535))
    usageError(`--port expects a port number from 0 (any free one) to 65535, got "${values.port}"`);
  try {
    statSync(join(DIST, 'index.html'));
  } catch {
    console.error('playground: dist/ is not built; run `npx -y pnpm@10 playground`, which builds it first');
    process.exit(1);
  }
  let served;
  try {
    served = await serve(DIST, asked ?? DEFAULT_PORT);
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    if (asked !== undefined) {
      console.error(
        `playground: port ${asked} is in use; choose another with --port N, or leave it out for a free one`,
      );
      process.exit(1);
    }
    served = await serve(DIST, 0);
    console.log(`playground: port ${DEFAULT_PORT} is in use; serving on a free one instead`);
  }
  const { server, url } = served;
  console.log(`adjoint playground: ${url}  (Ctrl+C stops it)`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // the launcher (pnpm) gone, this process is re-parented: stop rather than serve on unseen
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
