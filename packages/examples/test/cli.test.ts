import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

function example(...args: string[]) {
  const run = spawnSync(process.execPath, [tsx, '--conditions=@adjoint/source', 'src/cli.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: root },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the example command', () => {
  test('--help lists every example and exits 0', () => {
    const { status, stdout } = example('--help');
    expect(status).toBe(0);
    for (const name of [
      'linear-regression',
      'neuron-gates',
      'xor',
      'logistic-regression',
      'umons',
      'moons',
      'mnist',
    ])
      expect(stdout).toContain(name);
  });

  test('an unknown example or a bad flag exits 2 with a message and the list of examples', () => {
    for (const [args, message] of [
      [['nope'], 'example: unknown example "nope"'],
      [['xor', '--epochs', 'ten'], 'example: --epochs expects an integer ≥ 1, got "ten"'],
      [['xor', '--engine', 'gpu'], 'example: --engine expects scalar or tensor, got "gpu"'],
      [
        ['mnist', '--engine', 'scalar'],
        'example: mnist runs on one engine; --engine applies to xor and moons',
      ],
      [['xor', '--colour', 'red'], "example: Unknown option '--colour'"],
      [[], 'example: name an example'],
    ] as const) {
      const { status, stderr } = example(...args);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
      expect(stderr).toContain('logistic-regression');
    }
  }, 60_000);

  test('a run prints its report and writes its pictures to --out', () => {
    const out = mkdtempSync(join(tmpdir(), 'adjoint-'));
    try {
      const { status, stdout } = example(
        'xor',
        '--epochs',
        '300',
        '--seed',
        '1',
        '--engine',
        'scalar',
        '--out',
        out,
      );
      expect(status).toBe(0);
      expect(stdout).toContain('scalar engine, 300 epochs');
      for (const name of ['xor-loss.svg', 'xor-boundary.svg']) {
        expect(existsSync(join(out, name))).toBe(true);
        expect(readFileSync(join(out, name), 'utf8').startsWith('<svg')).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
