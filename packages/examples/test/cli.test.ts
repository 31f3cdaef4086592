import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromSafetensors, loadModel, predict } from '@adjoint/nn';
import { fromOnnx } from '@adjoint/nn/onnx';
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
  test('--help lists every example, and which take --engine and --save, and exits 0', () => {
    const { status, stdout } = example('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('(xor, umons, mnist, mnist-cnn)');
    expect(stdout).toContain('for the examples that run on either (xor, moons)');
    for (const name of [
      'linear-regression',
      'neuron-gates',
      'xor',
      'logistic-regression',
      'umons',
      'moons',
      'mnist',
      'mnist-cnn',
    ])
      expect(stdout).toContain(name);
  });

  test('a mistake is named in one line, the usage in a second, and the exit code is 2', () => {
    for (const [args, message] of [
      [['lin'], 'npx -y pnpm@10 example: unknown example "lin"; did you mean linear-regression?'],
      [['mnst'], 'npx -y pnpm@10 example: unknown example "mnst"; did you mean mnist?'],
      [['nope'], 'npx -y pnpm@10 example: unknown example "nope"'],
      [['xor', '--epochs', 'ten'], 'npx -y pnpm@10 example: --epochs expects an integer ≥ 1, got "ten"'],
      [['xor', '--epochs', '-3'], 'npx -y pnpm@10 example: --epochs expects an integer ≥ 1, got "-3"'],
      [['xor', '--epochs'], 'npx -y pnpm@10 example: --epochs needs a value'],
      [['xor', '--epoch', '5'], 'npx -y pnpm@10 example: unknown option --epoch; did you mean --epochs?'],
      [['xor', '--engine', 'gpu'], 'npx -y pnpm@10 example: --engine expects scalar or tensor, got "gpu"'],
      [
        ['mnist', '--engine', 'scalar'],
        'npx -y pnpm@10 example: mnist runs on one engine; --engine applies to xor, moons',
      ],
      [
        ['moons', '--save', 'm.onnx'],
        'npx -y pnpm@10 example: moons trains no Tensor-engine model to save; --save applies to xor, umons, mnist, mnist-cnn',
      ],
      [
        ['xor', '--engine', 'scalar', '--save', 'm.onnx'],
        'npx -y pnpm@10 example: --save writes a Tensor-engine model; with --engine scalar the network is made of Values',
      ],
      [['xor', '--colour', 'red'], 'npx -y pnpm@10 example: unknown option --colour'],
      [[], 'npx -y pnpm@10 example: name an example'],
    ] as const) {
      const { status, stderr } = example(...args);
      expect(status).toBe(2);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(message);
      expect(lines[1]).toMatch(/^usage: npx -y pnpm@10 example <name> .*--help lists the examples/);
    }
  }, 60_000);

  test('relative paths are the caller’s: --out pics writes to pics/ where the command started', () => {
    const caller = mkdtempSync(join(tmpdir(), 'adjoint-caller-'));
    try {
      const run = spawnSync(
        process.execPath,
        [tsx, '--conditions=@adjoint/source', 'src/cli.ts', 'xor', '--epochs', '5', '--out', 'pics'],
        {
          cwd: root,
          encoding: 'utf8',
          // as `pnpm example` runs it: in the package's folder, the caller's directory in INIT_CWD
          env: { ...process.env, INIT_CWD: caller, npm_lifecycle_event: 'example' },
        },
      );
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(join(caller, 'pics', 'xor-loss.svg'));
      expect(existsSync(join(caller, 'pics', 'xor-boundary.svg'))).toBe(true);
      expect(existsSync(join(root, 'pics'))).toBe(false);
    } finally {
      rmSync(caller, { recursive: true, force: true });
    }
  }, 60_000);

  test('the adjoint bin runs the same command, and output to a pipe holds no progress bar', () => {
    const bin = join(root, 'bin', 'adjoint.mjs');
    const out = mkdtempSync(join(tmpdir(), 'adjoint-bin-'));
    try {
      const run = spawnSync(process.execPath, [bin, 'example', 'xor', '--epochs', '50', '--out', out], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('A 2-2-1 network learns XOR');
      expect(run.stdout).not.toMatch(/[░█]|ETA/);
      const wrong = spawnSync(process.execPath, [bin, 'exmple'], { encoding: 'utf8' });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain('adjoint: unknown command "exmple"');
      for (const help of ['help', '--help', '-h']) {
        const asked = spawnSync(process.execPath, [bin, help], { encoding: 'utf8' });
        expect([asked.status, asked.stderr]).toEqual([0, '']);
        expect(asked.stdout).toContain('adjoint example <name> [options]');
      }
      // the bin's usage names the command as typed
      const named = spawnSync(process.execPath, [bin, 'example', 'nope'], { encoding: 'utf8' });
      expect(named.stderr).toContain(
        'adjoint example: unknown example "nope"\nusage: adjoint example <name>',
      );
      // the directory it writes to is where it runs, whatever INIT_CWD an outer pnpm left
      const elsewhere = mkdtempSync(join(tmpdir(), 'adjoint-init-'));
      const here = spawnSync(process.execPath, [bin, 'example', 'xor', '--epochs', '5', '--out', 'pics'], {
        encoding: 'utf8',
        cwd: out,
        env: { ...process.env, INIT_CWD: elsewhere },
      });
      expect(here.status).toBe(0);
      expect(existsSync(join(out, 'pics', 'xor-loss.svg'))).toBe(true);
      expect(existsSync(join(elsewhere, 'pics'))).toBe(false);
      rmSync(elsewhere, { recursive: true, force: true });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  test('--save writes the trained model as ONNX, safetensors or adjoint JSON, which load back', () => {
    const out = mkdtempSync(join(tmpdir(), 'adjoint-save-'));
    try {
      for (const file of ['xor.onnx', 'xor.safetensors', 'xor.json']) {
        const { status, stdout } = example('xor', '--epochs', '20', '--out', out, '--save', join(out, file));
        expect(status).toBe(0);
        expect(stdout).toContain(`model: ${join(out, file)}`);
      }
      const spec = {
        inputs: 2,
        layers: [
          { units: 2, activation: 'sigmoid' as const },
          { units: 1, activation: 'sigmoid' as const },
        ],
      };
      const fromJson = loadModel(readFileSync(join(out, 'xor.json'), 'utf8'));
      const fromSt = fromSafetensors(readFileSync(join(out, 'xor.safetensors')), spec);
      const fromOnnxFile = fromOnnx(readFileSync(join(out, 'xor.onnx')));
      const x = [[0, 1]];
      expect(predict(fromSt, x).toArray()).toEqual(predict(fromJson, x).toArray());
      expect(Math.abs(predict(fromOnnxFile, x).item() - predict(fromJson, x).item())).toBeLessThan(1e-6); // ONNX keeps float32
      const wrong = example('xor', '--save', join(out, 'xor.txt'));
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain('--save writes .json, .onnx, .safetensors files; ');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  // issue 33: paths are checked before the run (one line, exit 2), and missing directories are made
  test('--out naming a file and --save naming a directory are refused before the run; missing directories are made', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-paths-'));
    try {
      writeFileSync(join(dir, 'afile'), '');
      mkdirSync(join(dir, 'adir.json'));
      const file = example('xor', '--out', join(dir, 'afile'));
      expect([file.status, file.stdout]).toEqual([2, '']);
      expect(file.stderr).toContain(
        `npx -y pnpm@10 example: --out ${join(dir, 'afile')} is a file; it names the directory for the pictures`,
      );
      const folder = example('xor', '--out', dir, '--save', join(dir, 'adir.json'));
      expect([folder.status, folder.stdout]).toEqual([2, '']);
      expect(folder.stderr).toContain(
        `npx -y pnpm@10 example: --save ${join(dir, 'adir.json')} is a directory; give the model's file name`,
      );
      const nested = join(dir, 'nodir', 'sub', 'm.json');
      const made = example('xor', '--epochs', '10', '--out', join(dir, 'pics'), '--save', nested);
      expect(made.status).toBe(0);
      expect(loadModel(readFileSync(nested, 'utf8'))).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
