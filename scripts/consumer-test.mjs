// The consumer test: what a user outside this repository does. Packs @adjoint/autograd and @adjoint/nn
// (pnpm pack, so workspace:* becomes a version), installs the tarballs with npm into a fresh project in
// the system's temporary folder, and there (a) runs an ES module, (b) require()s both packages from
// CommonJS, and (c) type-checks a TypeScript consumer under strict + nodenext with no @types/node and no
// DOM library; then (d) loads them in Chromium over 127.0.0.1, once as plain <script type="module"> with an
// import map to the installed files (as from a CDN), once bundled with esbuild, and reports each bundle's
// gzipped size (against the README's figures). Then publint and arethetypeswrong (every resolution mode) check
// both tarballs, and that each holds its README and the LICENSE. Exits non-zero on any
// failure; prints one line per check and a closing "N passed, N failed".
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright';
import { GPU_PROGRAM, inChromium, onGpu } from './consumer-pages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'adjoint-consumer-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
const results = [];
/** A command-line entry of one of the workspace's dev dependencies (their exports may hide the file). */
const bin = (name, path) => join(root, 'node_modules', name, path);

/** Serves `dir` on 127.0.0.1 (a free port): static files only, nothing outside `dir`. */
async function serve(dir) {
  const types = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.map': 'application/json',
  };
  const server = createServer((request, response) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(request.url, 'http://x').pathname)));
    try {
      if (!path.startsWith(dir)) throw new Error('outside');
      const body = readFileSync(path);
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/** What the browser pages compute: a gradient, and XOR trained and predicted; they put it in `window.result`. */
const BROWSER_PROGRAM = `
import { compile, tensor, Value } from '@adjoint/autograd';
import { accuracy, fit, mlp, mse, predict, SGD } from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';
const a = new Value(2);
a.mul(a).mul(a).backward();
const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
x.matmul(x.T).sum().backward();
const net = mlp({ inputs: 2, layers: [{ units: 2, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }], seed: 0, init: 'uniform' });
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
fit(net, { x: X, y: [[0], [1], [1], [0]] }, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 2 }), epochs: 2000 });
let evalAllowed = true;
try { new Function('return 1'); } catch { evalAllowed = false; }
// a compiled step (its second call runs the program) against the eager one: fused loops where eval is allowed
const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true });
const f = (v) => { w.zeroGrad(); const l = v.matmul(w).tanh().mul(v).sum(); l.backward(); return l; };
const v = tensor([[1, 2], [3, -1]]);
const eager = [f(v).item(), w.grad.toArray()];
const step = compile(f);
step(v);
const compiled = [step(v).item(), w.grad.toArray()];
const compiledMatches = JSON.stringify(compiled) === JSON.stringify(eager);
const onnxMatches = JSON.stringify(predict(fromOnnx(toOnnx(net, { dtype: 'float64' })), X).toArray()) === JSON.stringify(predict(net, X).toArray());
window.result = { cube: a.grad, matmul: x.grad.toArray(), xor: accuracy(predict(net, X), [0, 1, 1, 0]), evalAllowed, compiledMatches, fusedLoops: step.programs[0].fusedLoops, onnxMatches };
`;

/** Loads `page` in Chromium and returns its `window.result`, or throws with the page's errors. */

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs one check and prints its line; a failed `required` check ends the run, as nothing after it can work. */
function check(name, fn, required = false) {
  try {
    const detail = fn();
    results.push(true);
    console.log(`✓ ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    results.push(false);
    console.log(`✗ ${name}\n${String(error.stdout ?? '')}${String(error.stderr ?? '')}${error.message}`);
    if (required) throw new Error(`${name} failed`);
  }
}

// run through the package manager (npx -y pnpm@10 consumer), which says where it is
const pnpm = process.env.npm_execpath;
if (pnpm === undefined) {
  console.error('consumer-test: run it as `npx -y pnpm@10 consumer`, so it can call the same pnpm');
  process.exit(2);
}
const node = process.execPath;
try {
  check(
    'build both packages with tsc',
    () => {
      run(node, [pnpm, 'run', 'build'], root);
    },
    true,
  );
  check(
    'pack both packages',
    () => {
      for (const name of ['autograd', 'nn'])
        run(node, [pnpm, 'pack', '--pack-destination', packs], join(root, 'packages', name));
      return readdirSync(packs)
        .map((file) => `${file} ${(statSync(join(packs, file)).size / 1024).toFixed(0)} KB`)
        .join(', ');
    },
    true,
  );
  const tarballs = readdirSync(packs).map((file) => join(packs, file));

  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  check(
    'npm install the tarballs into a fresh project',
    () => {
      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...tarballs],
        app,
      );
    },
    true,
  );

  writeFileSync(
    join(app, 'use.mjs'),
    `import assert from 'node:assert/strict';
import { grad, tensor, Value } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';
import { accuracy, fit, loadModel, mlp, mse, predict, SGD, sequential } from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';

const a = new Value(2);
const b = new Value(-3);
a.mul(b).add(a.tanh()).backward();
assert.equal(b.grad, 2);
assert.equal(a.grad, -3 + (1 - Math.tanh(2) ** 2));

const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
x.matmul(x.T).sum().backward(); // ∂/∂X Σ XXᵀ = 2 Σₖ Xₖⱼ in every row
assert.deepEqual(x.grad.toArray(), [[8, 12], [8, 12]]);
assert.equal(grad((t) => t.mul(t).sum())(tensor([3])).item(), 6);
assert.ok(gradcheck((v) => v.mul(v).sin(), [new Value(0.7)]).ok);

const spec = { inputs: 2, layers: [{ units: 2, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }], seed: 0, init: 'uniform' };
const net = mlp(spec);
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
fit(net, { x: X, y: [[0], [1], [1], [0]] }, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 2 }), epochs: 2000 });
assert.equal(accuracy(predict(net, X), [0, 1, 1, 0]), 1);
const reloaded = loadModel(JSON.stringify(net.toJSON()));
assert.deepEqual(predict(reloaded, X).toArray(), predict(net, X).toArray());
assert.deepEqual(predict(fromOnnx(toOnnx(net, { dtype: 'float64' })), X).toArray(), predict(net, X).toArray());
console.log('XOR trained to 100%, saved and reloaded, through JSON and ONNX');

const cnn = sequential({ inputs: [1, 6, 6], layers: [{ kind: 'conv', filters: 2, kernel: 3, activation: 'relu' }, { kind: 'maxPool', kernel: 2 }, { kind: 'flatten' }, { kind: 'dropout', rate: 0.5 }, { units: 3, activation: 'softmax' }] }).eval();
const image = tensor(Array.from({ length: 72 }, (_, i) => Math.sin(i)), { shape: [2, 1, 6, 6] });
assert.deepEqual(predict(loadModel(JSON.stringify(cnn)), image).toArray(), cnn.forward(image).toArray());
assert.deepEqual(fromOnnx(toOnnx(cnn, { dtype: 'float64', portable: false })).eval().forward(image).toArray(), cnn.forward(image).toArray());
console.log('a CNN saved and reloaded, through JSON and ONNX');
`,
  );
  check('an ES module builds a graph, checks a gradient, trains XOR, saves and reloads it and a CNN', () =>
    run(node, ['use.mjs'], app).trim(),
  );

  writeFileSync(
    join(app, 'use.cjs'),
    `const assert = require('node:assert/strict');
const { Value } = require('@adjoint/autograd');
const { numericGrad } = require('@adjoint/autograd/testing');
const { mlp } = require('@adjoint/nn');
const v = new Value(3);
v.mul(v).backward();
assert.equal(v.grad, 6);
assert.ok(Math.abs(numericGrad((w) => w.mul(w), [new Value(3)])[0] - 6) < 1e-6);
assert.equal(mlp({ inputs: 1, layers: [{ units: 1, activation: 'linear' }] }).parameters().length, 2);
console.log('require() works');
`,
  );
  check('CommonJS require()s both packages (require(esm), Node ≥ 20.19)', () =>
    run(node, ['use.cjs'], app).trim(),
  );

  writeFileSync(
    join(app, 'use.ts'),
    `import { type Differentiable, grad, type Tensor, tensor, Value } from '@adjoint/autograd';
import { type GradcheckResult, gradcheck } from '@adjoint/autograd/testing';
import { type WebGpu, webgpu } from '@adjoint/autograd/webgpu';
import { fit, type Model, mlp, mse, predict, SGD } from '@adjoint/nn';

const a: Value = new Value(1, 'a');
const setUp: () => Promise<WebGpu> = webgpu;
const t: Tensor = tensor([1, 2], { requiresGrad: true });
const g: Tensor = grad((x: Tensor) => x.mul(x).sum())(t);
const model: Model = mlp({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
const parameters: Differentiable[] = model.parameters();
const history = fit(model, { x: [[0, 1]], y: [[1]] }, { loss: mse, optimizer: new SGD(parameters, { lr: 0.1 }), epochs: 1 });
const loss: number = history.loss[0]!;
const check: GradcheckResult = gradcheck((v: Value) => v.exp(), [a]);
const out: Tensor = predict(model, [[0, 1]]);
export { check, g, loss, out, setUp };
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023'],
          types: [],
          noEmit: true,
          skipLibCheck: false,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
        },
        files: ['use.ts'],
      },
      null,
      2,
    )}\n`,
  );
  check('a TypeScript consumer type-checks: strict, nodenext, no @types/node, no DOM library', () => {
    run(node, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json'], app);
    return '0 errors';
  });

  // the README's import map, as it is written, with the CDN's files served from the installed packages
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const imports = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(readme)[1]).imports;
  check("the README's import map names each package at the version installed", () => {
    for (const [specifier, address] of Object.entries(imports)) {
      const [, name, version, file] =
        /^https:\/\/cdn\.jsdelivr\.net\/npm\/(@?[^@]+)@([^/]+)\/(.+)$/.exec(address) ?? [];
      if (name === undefined) throw new Error(`${specifier}: ${address} is not a jsDelivr npm address`);
      const installed = JSON.parse(
        readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'),
      ).version;
      if (installed !== version)
        throw new Error(`${specifier}: the README says ${name}@${version}, npm installed ${installed}`);
      imports[specifier] = `/node_modules/${name}/${file}`;
    }
    return Object.keys(imports).join(', ');
  });
  writeFileSync(
    join(app, 'cdn.html'),
    `<!doctype html><link rel="icon" href="data:,"><script type="importmap">${JSON.stringify({
      imports,
    })}</script><script type="module">${BROWSER_PROGRAM}</script>`,
  );
  writeFileSync(
    join(app, 'gpu.html'),
    `<!doctype html><link rel="icon" href="data:,"><script type="importmap">${JSON.stringify({
      imports,
    })}</script><script type="module">${GPU_PROGRAM}</script>`,
  );
  writeFileSync(join(app, 'entry.mjs'), BROWSER_PROGRAM);
  writeFileSync(
    join(app, 'bundled.html'),
    // a page whose CSP forbids eval: the compiled vjps and loops fall back to closures
    `<!doctype html><meta http-equiv="Content-Security-Policy" content="script-src 'self'"><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>`,
  );
  const sizes = [];
  const measured = [];
  for (const [name, contents] of [
    ['@adjoint/autograd', "export * from '@adjoint/autograd';"],
    ['@adjoint/nn with @adjoint/autograd', "export * from '@adjoint/autograd'; export * from '@adjoint/nn';"],
  ]) {
    const out = await build({
      stdin: { contents, resolveDir: app },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    });
    const kb = gzipSync(out.outputFiles[0].contents).length / 1024;
    measured.push(kb);
    sizes.push(`${name} ${kb.toFixed(1)} KB gzipped`);
  }
  check('the bundle sizes the README gives are the measured ones (within 0.5 KB)', () => {
    const said = /the engine is ([\d.]+) KB\s+gzipped, and ([\d.]+) KB with `@adjoint\/nn`/.exec(readme);
    if (said === null) throw new Error('the README no longer says the bundle sizes');
    const stated = [Number(said[1]), Number(said[2])];
    if (stated.some((kb, i) => Math.abs(kb - measured[i]) > 0.5))
      throw new Error(
        `the README says ${stated.join(' and ')} KB, measured ${measured.map((kb) => kb.toFixed(1)).join(' and ')}`,
      );
    return sizes.join(', ');
  });
  await build({
    entryPoints: [join(app, 'entry.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(app, 'bundle.js'),
  });
  const { server, url } = await serve(app);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // WebGPU on: SwiftShader's where the machine has no GPU (as here and in CI)
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
  try {
    const cdn = await inChromium(browser, `${url}/cdn.html`).then(
      (r) => ['ok', r],
      (e) => ['error', e],
    );
    check('Chromium runs the installed packages from <script type="module"> and an import map', () => {
      if (cdn[0] === 'error') throw cdn[1];
      return cdn[1];
    });
    const gpu = await onGpu(browser, `${url}/gpu.html`).then(
      (r) => ['ok', r],
      (e) => ['error', e],
    );
    check(
      "Chromium with WebGPU runs '@adjoint/autograd/webgpu' from the import map: a gradient on the GPU",
      () => {
        if (gpu[0] === 'error') throw gpu[1];
        return gpu[1];
      },
    );
    const bundled = await inChromium(browser, `${url}/bundled.html`).then(
      (r) => ['ok', r],
      (e) => ['error', e],
    );
    check('Chromium runs them bundled by esbuild, in a page whose CSP forbids eval', () => {
      if (bundled[0] === 'error') throw bundled[1];
      if (JSON.parse(bundled[1]).evalAllowed !== false) throw new Error('the page allowed new Function');
      return sizes.join(', ');
    });
  } finally {
    await browser.close();
    server.close();
  }

  for (const tarball of tarballs) {
    const name = tarball.split('/').at(-1);
    check(`publint ${name}`, () => {
      const out = run(node, [bin('publint', 'src/cli.js'), 'run', tarball, '--strict'], root);
      if (!out.includes('All good!')) throw new Error(out);
    });
    // every resolution mode; require() of an ES module is an error before Node 20.19, which attw models
    check(`arethetypeswrong ${name} (every resolution mode; require(esm) needs Node ≥ 20.19)`, () => {
      run(
        node,
        [bin('@arethetypeswrong/cli', 'dist/index.js'), tarball, '--ignore-rules', 'cjs-resolves-to-esm'],
        root,
      );
    });
    check(`${name} holds its README, the LICENSE and its repository's address`, () => {
      const files = run('tar', ['tzf', tarball], root).split('\n');
      for (const file of ['package/LICENSE', 'package/README.md'])
        if (!files.includes(file)) throw new Error(`${file} is missing`);
      const json = JSON.parse(run('tar', ['xzOf', tarball, 'package/package.json'], root));
      if (!json.repository?.url || !json.homepage || !(json.keywords?.length > 0))
        throw new Error('package.json lacks repository, homepage or keywords');
      return files.filter((f) => f !== '' && !f.startsWith('package/dist/')).join(', ');
    });
  }
} catch (error) {
  console.log(`stopped: ${error.message}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log(`\nconsumer: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
