import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The API reference's examples: each main symbol's doc comment includes a file of
// packages/<name>/doc-examples/ (TypeDoc's {@includeCode}), which `tsc -b` type-checks with the rest.
// Here each file runs, in one process, and prints what its `// prints …` comments say, line for line.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

/** Every example file, as `<package>/doc-examples/<name>.ts`. */
const EXAMPLES = ['autograd', 'nn'].flatMap((name) =>
  readdirSync(join(root, 'packages', name, 'doc-examples'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `${name}/doc-examples/${file}`),
);

/** The symbols that must show an example, and where their doc comment is. */
const REQUIRED: readonly [symbol: string, source: string, example: string][] = [
  ['class Value', 'autograd/src/value.ts', 'value.ts'],
  ['class Tensor', 'autograd/src/tensor.ts', 'tensor.ts'],
  ['conv2d(', 'autograd/src/tensor-methods.ts', 'conv2d.ts'],
  ['maxPool2d(', 'autograd/src/tensor-methods.ts', 'max-pool2d.ts'],
  ['function grad<', 'autograd/src/functional.ts', 'grad.ts'],
  ['function valueAndGrad<', 'autograd/src/functional.ts', 'value-and-grad.ts'],
  ['function compile<', 'autograd/src/compile/compile.ts', 'compile.ts'],
  ['function customOp', 'autograd/src/custom.ts', 'custom-op.ts'],
  ['function gradcheck<', 'autograd/src/testing/checks.ts', 'gradcheck.ts'],
  ['function mlp(', 'nn/src/sequential.ts', 'mlp.ts'],
  ['function sequential(', 'nn/src/sequential.ts', 'sequential.ts'],
  ['class Sequential', 'nn/src/sequential.ts', 'sequential-class.ts'],
  ['abstract class Module', 'nn/src/module.ts', 'module.ts'],
  ['function fit<', 'nn/src/train.ts', 'fit.ts'],
  ['function predict(', 'nn/src/samples.ts', 'predict.ts'],
  ['function takeRows(', 'nn/src/samples.ts', 'take-rows.ts'],
  ['class Dataset<', 'nn/src/dataset.ts', 'dataset.ts'],
  ['class SGD', 'nn/src/optim.ts', 'sgd.ts'],
  ['class Adam ', 'nn/src/optim.ts', 'adam.ts'],
  ['class AdamW', 'nn/src/optim.ts', 'adamw.ts'],
  ['function toOnnx(', 'nn/src/formats/onnx.ts', 'to-onnx.ts'],
  ['function fromOnnx(', 'nn/src/formats/onnx-read.ts', 'from-onnx.ts'],
  ['function toSafetensors(', 'nn/src/formats/safetensors.ts', 'to-safetensors.ts'],
  ['function fromSafetensors(', 'nn/src/formats/safetensors.ts', 'from-safetensors.ts'],
];

/** The lines the example says it prints, in order. */
const expected = (file: string) =>
  readFileSync(join(root, 'packages', file), 'utf8')
    .split('\n')
    .flatMap((line) => /\/\/ prints (.*)$/.exec(line)?.[1] ?? []);

describe('the API reference’s examples', () => {
  test('each main symbol’s doc comment includes its example, just before the symbol', () => {
    for (const [symbol, source, example] of REQUIRED) {
      const text = readFileSync(join(root, 'packages', source), 'utf8');
      const at = text.indexOf(symbol);
      expect(at, `${symbol} in ${source}`).toBeGreaterThan(0);
      const comment = text.slice(text.lastIndexOf('/**', at), at);
      expect(comment, symbol).toContain(`@example\n`);
      expect(comment, symbol).toContain(
        `{@includeCode ${'../'.repeat(source.split('/').length - 2)}doc-examples/${example}}`,
      );
      expect(EXAMPLES).toContain(`${source.split('/')[0]}/doc-examples/${example}`);
    }
  });

  test('every example runs and prints what its comments say', () => {
    // one process for all: each file imported in turn, console.log's lines collected per file
    const runner = `
      import { format } from 'node:util';
      const out = {};
      for (const file of ${JSON.stringify(EXAMPLES)}) {
        const lines = (out[file] = []);
        console.log = (...args) => lines.push(format(...args));
        await import(${JSON.stringify(`${root}packages/`)} + file);
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const run = spawnSync(
      process.execPath,
      [tsx, '--conditions=@adjoint/source', '--input-type=module', '-e', runner],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    const printed = JSON.parse(run.stdout) as Record<string, string[]>;
    for (const file of EXAMPLES) {
      expect(expected(file).length, `${file} says what it prints`).toBeGreaterThan(0);
      expect(printed[file], file).toEqual(expected(file));
    }
  }, 60_000);
});
