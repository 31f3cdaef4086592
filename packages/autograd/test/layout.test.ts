import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

// The architecture as STYLE.md draws it, held by a test: no import cycle between files (type-only imports
// included), each folder imports only what its opening comment allows, and no file outgrows ~400 lines.
const src = resolve(dirname(new URL(import.meta.url).pathname), '../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Each source file (relative to src) with the source files it imports, `import type` included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)'/gms)].map((m) =>
      relative(src, resolve(dirname(file), `${m[1]!.replace(/\.js$/, '')}.ts`)),
    );
    graph.set(relative(src, file), targets);
  }
  return graph;
}

describe('the source layout', () => {
  const graph = importGraph();

  test('every relative import names a source file', () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t)).map((t) => `${file} -> ${t}`),
    );
    expect(missing).toEqual([]);
  });

  test('no file imports itself through a cycle, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    // an explicit stack: a depth-first search that reports the path of every back edge
    for (const start of graph.keys()) {
      if (state.has(start)) continue;
      const stack: [string, number][] = [[start, 0]];
      state.set(start, 'open');
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const [file, next] = top;
        const targets = graph.get(file) ?? [];
        if (next === targets.length) {
          state.set(file, 'done');
          stack.pop();
          continue;
        }
        top[1] = next + 1;
        const target = targets[next]!;
        if (state.get(target) === 'open') {
          const path = stack.map(([f]) => f);
          cycles.push([...path.slice(path.indexOf(target)), target].join(' -> '));
        } else if (!state.has(target)) {
          state.set(target, 'open');
          stack.push([target, 0]);
        }
      }
    }
    expect(cycles).toEqual([]);
  });

  test.each([
    ['kernels/', ['kernels/', 'ndarray.ts', 'shape.ts', 'run.ts', 'scope.ts', 'codegen.ts']],
    ['rules/', ['rules/', 'kernels/', 'ndarray.ts', 'shape.ts', 'run.ts', 'scope.ts', 'codegen.ts']],
    ['run.ts', ['ndarray.ts', 'scope.ts', 'shape.ts', 'rules/rule.ts']],
    ['webgpu/', ['webgpu/', 'ops/', 'rules/', 'kernels/window.ts', 'ndarray.ts', 'run.ts', 'shape.ts']],
    [
      'testing/',
      [
        'testing/',
        'functional.ts',
        'graph.ts',
        'ndarray.ts',
        'random.ts',
        'shape.ts',
        'tensor.ts',
        'transforms.ts',
        'value.ts',
        'rules/',
      ],
    ],
  ])('files in %s import only %j', (folder, allowed) => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith(folder))
      .flatMap(([file, targets]) =>
        targets.filter((t) => !allowed.some((a) => t === a || t.startsWith(a))).map((t) => `${file} -> ${t}`),
      );
    expect(outside).toEqual([]);
  });

  // compile/ is an interpreter above the engine, installed at the seam (run.ts): nothing below it knows it
  test('only the public entry imports compile/; the engine reaches it through run.ts alone', () => {
    const into = [...graph]
      .filter(([file]) => !file.startsWith('compile/') && file !== 'index.ts')
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith('compile/')).map((t) => `${file} -> ${t}`),
      );
    expect(into).toEqual([]);
  });

  // webgpu/ is a device added at the seam by its own entry point: a page that never asks for it never loads it
  test('nothing but webgpu/ itself imports webgpu/', () => {
    const into = [...graph]
      .filter(([file]) => !file.startsWith('webgpu/'))
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith('webgpu/')).map((t) => `${file} -> ${t}`),
      );
    expect(into).toEqual([]);
  });

  test('every folder opens with a comment saying what lives there and what it may import', () => {
    for (const [folder, opener] of [
      ['kernels', 'loops.ts'],
      ['rules', 'rule.ts'],
      ['testing', 'checks.ts'],
      ['webgpu', 'wgsl.ts'],
    ] as const) {
      expect(readFileSync(join(src, folder, opener), 'utf8')).toMatch(
        new RegExp(`^// ${folder}/: .*\\n// .*[Ii]mport`),
      );
    }
  });

  test('no source file is longer than 400 lines, the generated WebAssembly aside', () => {
    const long = [...graph.keys()]
      .filter((file) => !file.endsWith('gemm-wasm.ts'))
      .map((file) => [file, readFileSync(join(src, file), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  test('no source file of the other packages (nn, examples, playground, bench) is longer than 400 lines', () => {
    const packages = resolve(src, '../..');
    const long = ['nn', 'examples', 'playground', 'bench']
      .flatMap((name) => files(join(packages, name, 'src')))
      .map((file) => [relative(packages, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  test('tensor.ts and value.ts hold no derivative: every vjp lives in rules/', () => {
    for (const file of ['tensor.ts', 'value.ts']) {
      expect(readFileSync(join(src, file), 'utf8')).not.toMatch(/vjp:\s*\(/);
    }
  });
});
