// A page of the benchmark's own: a module's source bundled by esbuild (adjoint from its sources) and
// served from 127.0.0.1 in an empty HTML shell, for the Chromium benchmarks (browser.ts, responsive.ts).
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';

/**
 * Node.js's modules as empty ones: the benchmark's shared modules (workloads.ts, cnn.ts, and the
 * examples they draw on) import a few for their Node.js-only helpers (PyTorch's rows, progress bars),
 * which a page never calls.
 */
const nodeStubs: Plugin = {
  name: 'node-stubs',
  setup(b) {
    const builtin = new RegExp(`^(node:.*|${builtinModules.join('|')})$`);
    b.onResolve({ filter: builtin }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

/** Serves `source`, bundled, as a page's module; resolves to its URL and the server. */
export async function servePage(
  source: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ url: string; server: Server }> {
  const bundle = await build({
    stdin: { contents: source, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@adjoint/source'],
    write: false,
    plugins: [nodeStubs],
  });
  const server = createServer((request, response) => {
    if (request.url === '/bundle.js') {
      response.writeHead(200, { ...headers, 'content-type': 'text/javascript' });
      response.end(bundle.outputFiles[0]!.contents);
    } else {
      response.writeHead(200, { ...headers, 'content-type': 'text/html' });
      response.end(
        '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>',
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, server };
}
