import * as autograd from '@adjoint/autograd';
import * as gpuEntry from '@adjoint/autograd/webgpu';
import { expect, test } from 'vitest';
import readme from '../../../../README.md?raw';

// The README's blocks that import '@adjoint/autograd/webgpu' run here, in Chromium with WebGPU, as
// written: their imports bound to the packages, their console.log captured and held to the ```text
// block after them. (examples' readme.test.ts type-checks them with the rest, and runs the others.)
const MODULES: Record<string, Record<string, unknown>> = {
  '@adjoint/autograd': autograd,
  '@adjoint/autograd/webgpu': gpuEntry,
};

const fence = /^```(\w*)\n([\s\S]*?)^```\n/gm;
const all = [...readme.matchAll(fence)];
const gpuBlocks = all.flatMap((m, i) =>
  m[1] === 'ts' && m[2]!.includes("from '@adjoint/autograd/webgpu'")
    ? [
        {
          line: readme.slice(0, m.index).split('\n').length,
          code: m[2]!,
          prints: all[i + 1]?.[1] === 'text' ? all[i + 1]![2]! : null,
        },
      ]
    : [],
);

test('the README has a block on the GPU, with what it prints', () => {
  expect(gpuBlocks.length).toBeGreaterThanOrEqual(1);
  for (const block of gpuBlocks) expect(block.prints).not.toBeNull();
});

test.each(gpuBlocks.map((b) => [b.line, b] as const))(
  'the block at line %i runs and prints what the README shows',
  async (_line, block) => {
    const names: string[] = [];
    const values: unknown[] = [];
    const body = block.code.replace(
      /^import (type )?\{([^}]*)\} from '([^']+)';\n/gm,
      (_all, _type, list: string, from: string) => {
        const module = MODULES[from];
        if (module === undefined)
          throw new Error(`the block imports ${from}, which this test does not provide`);
        for (const item of list
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '' && !s.startsWith('type '))) {
          names.push(item);
          values.push(module[item]);
        }
        return '';
      },
    );
    const printed: string[] = [];
    const log = { log: (...parts: unknown[]) => printed.push(parts.map(String).join(' ')) };
    // the block is TypeScript: its non-null assertions (x!) are the only syntax JavaScript lacks here
    const script = body.replace(/!(?=[.)\]])/g, '');
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction(...names, 'console', script)(...values, log);
    expect(`${printed.join('\n')}\n`).toBe(block.prints);
  },
);
