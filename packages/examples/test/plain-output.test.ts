import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgress } from '@adjoint/examples';
import { afterEach, describe, expect, test, vi } from 'vitest';

// Output that goes to a file or a pipe is plain text: no colours, no bars, and a long run still says
// how far it is every 10 s (issue 30).
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('plain output', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  test('off a terminal, a progress bar is a plain line every 10 s, and nothing for a shorter run', () => {
    expect(process.stdout.isTTY).not.toBe(true); // vitest's workers write to a pipe
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    const bar = runProgress('mnist-cnn');
    bar.update(1, 100);
    vi.setSystemTime(9_999);
    bar.update(20, 100);
    expect(lines).toEqual([]);
    vi.setSystemTime(10_000);
    bar.update(25, 100);
    vi.setSystemTime(15_000);
    bar.update(40, 100);
    vi.setSystemTime(20_001);
    bar.update(70, 100);
    bar.stop();
    expect(lines).toEqual(['mnist-cnn: 25/100 (25%)', 'mnist-cnn: 70/100 (70%)']);
  });

  test('check runs every step in order with colours off when its output is not a terminal, and stops at a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-check-'));
    try {
      // a stand-in for pnpm: says which step it ran and whether colours were asked off; fails on `docs`
      const pnpm = join(dir, 'pnpm.mjs');
      writeFileSync(
        pnpm,
        [
          'const step = process.argv[3];',
          "console.log(['ran', step, 'NO_COLOR=' + process.env.NO_COLOR, 'FORCE_COLOR=' + process.env.FORCE_COLOR].join(' '));",
          "process.exit(step === 'docs' ? 3 : 0);",
        ].join('\n'),
      );
      const run = spawnSync(process.execPath, [join(root, 'scripts/check.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, npm_execpath: pnpm, FORCE_COLOR: '1' },
      });
      expect(run.status).toBe(3);
      expect(run.stdout.split('\n').filter((l) => l.startsWith('ran '))).toEqual(
        ['typecheck', 'lint', 'test', 'docs'].map((s) => `ran ${s} NO_COLOR=1 FORCE_COLOR=undefined`),
      );
      expect(run.stderr).toContain('check: docs failed (exit 3)');
      expect(run.stdout + run.stderr).not.toContain('\u001b[');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
