import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

// The README's TypeScript blocks, run as the README tells a reader to: saved at the repository's root
// and run there with `npx tsx --conditions=@adjoint/source <file>`, with no build. Each must type-check
// under the repository's strict settings (unused locals included) and run; a block followed by a
// ```text block must print exactly that text. So the README cannot rot.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(root, '.readme');
/** The one line the README gives, as it gives it. */
const HOW = 'npx tsx --conditions=@adjoint/source first.ts';
const require = createRequire(import.meta.url);

interface Block {
  readonly line: number;
  readonly code: string;
  readonly prints: string | null;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```\n/gm;
  const all = [...markdown.matchAll(fence)];
  all.forEach((m, i) => {
    if (m[1] !== 'ts') return;
    const next = all[i + 1];
    const adjacent =
      next !== undefined &&
      next[1] === 'text' &&
      markdown.slice(m.index! + m[0].length, next.index).trim() === '';
    found.push({
      line: markdown.slice(0, m.index).split('\n').length,
      code: m[2]!,
      prints: adjacent ? next[2]! : null,
    });
  });
  return found;
}

/** A block that runs only where there is WebGPU (a browser). */
const isGpuBlock = (block: Block) => block.code.includes("from '@adjoint/autograd/webgpu'");

const readme = blocks(readFileSync(join(root, 'README.md'), 'utf8'));
/** The READMEs each tarball ships: their blocks run the same way (what an npm reader sees first). */
const PACKAGE_READMES = ['packages/autograd/README.md', 'packages/nn/README.md'];
const packaged = PACKAGE_READMES.flatMap((file) =>
  blocks(readFileSync(join(root, file), 'utf8')).map((block) => ({ ...block, file })),
);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const [i, block] of readme.entries()) writeFileSync(join(dir, `block-${i}.ts`), block.code);
for (const [i, block] of packaged.entries()) writeFileSync(join(dir, `package-block-${i}.ts`), block.code);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README', () => {
  test('says where its blocks run, with the line this test runs them by', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(HOW);
  });

  test('has TypeScript blocks, most of them with the output they print', () => {
    expect(readme.length).toBeGreaterThanOrEqual(4);
    expect(readme.filter((b) => b.prints !== null).length).toBeGreaterThanOrEqual(3);
  });

  test('every TypeScript block type-checks under the repository’s strict settings', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.base.json',
        compilerOptions: { noEmit: true, composite: false },
        include: ['*.ts', '../packages/autograd/src/kernels/webassembly.d.ts'],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
      {
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
  }, 60_000);

  // a block on the GPU needs a browser with WebGPU: autograd's test/webgpu/readme.test.ts runs those
  const onCpu = readme.flatMap((block, i) => (isGpuBlock(block) ? [] : [[block.line, i, block] as const]));
  test('its blocks on the GPU are the ones importing the WebGPU entry, which the browser test runs', () => {
    expect(readme.filter(isGpuBlock).map((b) => b.code.includes('await webgpu()'))).toEqual([true]);
  });

  test.each(onCpu)(
    'the block at line %i runs and prints what the README shows',
    (_line, i, block) => {
      const run = spawnSync(
        process.execPath,
        [require.resolve('tsx/cli'), '--conditions=@adjoint/source', join('.readme', `block-${i}.ts`)],
        { encoding: 'utf8', cwd: root },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      if (block.prints !== null) expect(run.stdout).toBe(block.prints);
    },
    60_000,
  );

  test.each(packaged.map((block, i) => [block.file, block.line, i, block] as const))(
    '%s: the block at line %i runs and prints what it shows',
    (_file, _line, i, block) => {
      expect(block.prints).not.toBeNull();
      const run = spawnSync(
        process.execPath,
        [
          require.resolve('tsx/cli'),
          '--conditions=@adjoint/source',
          join('.readme', `package-block-${i}.ts`),
        ],
        { encoding: 'utf8', cwd: root },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(block.prints);
    },
    60_000,
  );

  test('each package has a README with a first example, a LICENSE as the repository’s, and its links', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    for (const name of ['autograd', 'nn']) {
      expect(readFileSync(join(root, 'packages', name, 'LICENSE'), 'utf8')).toBe(license);
      const json = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
      expect(json.license).toBe('MIT');
      expect(json.repository.directory).toBe(`packages/${name}`);
      expect(json.homepage).toMatch(/^https:\/\//);
      expect(json.keywords.length).toBeGreaterThan(3);
    }
    // every package README has an example (each of them runs, above); nn's has a second, a model in code
    expect([...new Set(packaged.map((b) => b.file))]).toEqual(PACKAGE_READMES);
  });
});
