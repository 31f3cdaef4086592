#!/usr/bin/env node
// After TypeDoc (`pnpm docs`): the API reference a newcomer opens is the one we mean. Its index is the
// README; its modules are named by import specifier; the main symbols' pages show their examples (the
// files of packages/*/doc-examples/, which a test runs); note citations link to the derivations; and no
// internal helper has a page. Exits 1 naming each miss.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const api = fileURLToPath(new URL('../docs/api', import.meta.url));
const misses = [];
const page = (path) => (existsSync(join(api, path)) ? readFileSync(join(api, path), 'utf8') : null);
const expect = (ok, what) => ok || misses.push(what);

const index = page('index.html') ?? '';
expect(index.includes('A path through adjoint'), 'the index page is the README');
for (const module of ['autograd', 'autograd_testing', 'autograd_arbitraries', 'nn', 'nn_onnx'])
  expect(
    page(`modules/_adjoint_${module}.html`) !== null,
    `a module page for @adjoint/${module.replace('_', '/')}`,
  );
expect(page('documents/derivations.html') !== null, 'the derivations as a page of their own');

const EXAMPLES = {
  'classes/_adjoint_autograd.Value.html': 'new Value(2',
  'classes/_adjoint_autograd.Tensor.html': 'w.matmul(w.T)',
  'functions/_adjoint_autograd.grad.html': 'grad(grad(cube))',
  'functions/_adjoint_autograd.valueAndGrad.html': 'valueAndGrad(loss, [0, 1])',
  'functions/_adjoint_autograd.compile.html': 'step.traces',
  'functions/_adjoint_autograd.customOp.html': 'softsign',
  'functions/_adjoint_autograd_testing.gradcheck.html': 'gradcheck(',
  'functions/_adjoint_nn.mlp.html': "activation: 'sigmoid'",
  'functions/_adjoint_nn.sequential.html': "kind: 'conv'",
  'classes/_adjoint_nn.Sequential.html': 'new Linear(',
  'functions/_adjoint_nn.fit.html': 'history.loss',
  'functions/_adjoint_nn.predict.html': 'predict(net',
  'functions/_adjoint_nn.takeRows.html': 'takeRows(x, [2, 0])',
  'classes/_adjoint_nn.SGD.html': 'momentum: 0.9',
  'classes/_adjoint_nn.Adam.html': 'new Adam(',
  'classes/_adjoint_nn.AdamW.html': 'weightDecay: 0.5',
  'functions/_adjoint_nn_onnx.toOnnx.html': 'toOnnx(net)',
  'functions/_adjoint_nn_onnx.fromOnnx.html': 'fromOnnx(toOnnx(',
  'functions/_adjoint_nn.toSafetensors.html': "dtype: 'float32'",
  'functions/_adjoint_nn.fromSafetensors.html': 'fromSafetensors(toSafetensors(net), spec)',
};
const text = (html) =>
  html
    .replace(/<[^>]+>/g, '')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&gt;', '>')
    .replaceAll('&lt;', '<')
    .replaceAll('&amp;', '&');
for (const [path, code] of Object.entries(EXAMPLES)) {
  const html = page(path);
  expect(html !== null && text(html).includes(code), `${path} shows its example (${code})`);
}
const tensor = text(page('classes/_adjoint_autograd.Tensor.html') ?? '');
expect(
  tensor.includes('image.conv2d(filter)') && tensor.includes('x.maxPool2d([2, 2])'),
  'Tensor.conv2d and maxPool2d show examples',
);
expect(
  (page('functions/_adjoint_nn.fit.html') ?? '').includes('href="../documents/derivations.html"'),
  "fit's note citation links to the derivations",
);

const INTERNAL = [
  'checkOptions',
  'closest',
  'describe',
  'checkSpec',
  'checkArity',
  'internal',
  'CheckedSpec',
  'CheckedMlpSpec',
  'CheckedLayer',
  'CheckedPair',
];
const pages = ['classes', 'functions', 'interfaces', 'types', 'variables', 'modules'].flatMap((dir) =>
  existsSync(join(api, dir)) ? readdirSync(join(api, dir)) : [],
);
for (const name of INTERNAL)
  expect(!pages.some((p) => p.endsWith(`.${name}.html`)), `no page for the internal ${name}`);

if (misses.length > 0) {
  console.error(
    `docs: the API reference misses ${misses.length} thing(s):\n${misses.map((m) => `  - ${m}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  'docs: the index is the README, modules are named by specifier, every main symbol shows its example',
);
