/**
 * Serves the built site (dist/) from 127.0.0.1 only: `node scripts/serve.mjs [--port N]` prints its URL.
 * Also imported by the end-to-end tests and the screenshot script.
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '5174' } } });
  try {
    statSync(join(DIST, 'index.html'));
  } catch {
    console.error('playground: dist/ is not built; run `npx -y pnpm@10 playground`, which builds it first');
    process.exit(1);
  }
  const { url } = await serve(DIST, Number(values.port));
  console.log(`adjoint playground: ${url}  (Ctrl+C stops it)`);
}
