// What the benchmark's workloads share between peers.ts (adjoint beside other libraries) and ab.ts
// (adjoint beside another checkout of itself): the networks, so both time the same thing.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DType } from '@adjoint/autograd';
import { type Command, suggestion, usageError } from '@adjoint/examples';
import type { TorchPeer } from './harness.js';

export { MNIST_MLP } from './networks.js';

/** The workloads, by the id `--only` takes, with what each times. */
export const WORKLOADS = {
  W1: 'scalar graph: micrograd’s moons MLP, one step (float64 run)',
  W2: 'small tensor MLP 2-16-16-1, one SGD step',
  W3: 'MNIST-size MLP 784-128-64-10, batch 128, one SGD step',
  W4: 'matmul n×n',
  W5: 'deep scalar chain, forward + backward (float64 run)',
  W6: 'MNIST CNN, batch 64, one SGD step',
  W7: 'per-example gradients (vmap of grad), batch 64',
  W8: 'Hessian-vector product, batch 64',
  W9: 'the names GPT (4 layers, width 64, context 16), batch 32, one SGD step',
} as const;

/** The flags both timing commands (bench, bench:ab) take. */
export const RUN_FLAGS = {
  quick: { type: 'boolean' },
  out: { type: 'string' },
  dtype: { type: 'string' },
  only: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The ids `--only` names, checked: an unknown one is a usage error naming the closest. */
export function checkOnly(command: Command, only: string | undefined): string | undefined {
  if (only === undefined) return undefined;
  const ids = Object.keys(WORKLOADS);
  const wanted = only.split(',').map((w) => w.trim());
  for (const id of wanted) {
    if (!ids.includes(id))
      usageError(
        command,
        `--only: unknown workload "${id}"${suggestion(id, ids)} (workloads: ${ids.join(', ')})`,
      );
  }
  return wanted.join(',');
}

/**
 * The dtype this process times: `dtype` checked, or, when none is given, this very command run once per
 * dtype, each in a process of its own (a program that mixes float32 and float64 loops runs both slower),
 * after which this process exits with the first failure's status.
 */
export function dtypeOrEach(command: Command, dtype: string | undefined): 'float32' | 'float64' {
  if (dtype === 'float32' || dtype === 'float64') return dtype;
  if (dtype !== undefined) usageError(command, `--dtype expects float32 or float64, got "${dtype}"`);
  for (const d of ['float32', 'float64']) {
    const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--dtype', d];
    const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
  }
  process.exit(0);
}

/** The workloads as the help lists them. */
export const WORKLOAD_HELP = Object.entries(WORKLOADS)
  .map(([id, title]) => `  ${id}  ${title}`)
  .join('\n');

/**
 * The python3 that can import torch (Debian's python3-torch is in the system Python; a python3 earlier on
 * the PATH may not see it), or undefined where none can: PyTorch's rows run in a process of their own.
 */
export function torchPython(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
}

/**
 * PyTorch as a contestant of a race: a process of its own (`script`, run as `script dtype threads`, the
 * batch and adjoint's initial parameters as a line of JSON on its stdin) that takes a step each time the
 * harness asks, timed by its own clock, so its rounds interleave with the others' and share the machine's
 * load as theirs do. `firstLoss` is its first step's loss (to compare with adjoint's); `close` ends the
 * process. A sentence says why there is none (no python3 that can import torch, or the script failed).
 */
export async function torchContestant(
  script: string,
  dtype: DType,
  threads: number,
  input: unknown,
): Promise<TorchPeer | string> {
  const python = torchPython();
  if (python === undefined) return "PyTorch's row: not run here, no python3 that can import torch";
  const child = spawn(
    python,
    [fileURLToPath(new URL(`./${script}`, import.meta.url)), dtype, String(threads)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${script} ended: ${stderr.trim().split('\n').pop() ?? 'no message'}`);
    return value;
  };
  child.stdin.write(`${JSON.stringify(input)}\n`);
  let header: { name: string; firstLoss: number };
  try {
    header = JSON.parse(await next()) as { name: string; firstLoss: number };
  } catch (error) {
    child.kill();
    return `PyTorch's row: ${script} failed: ${(error as Error).message}`;
  }
  const step = async (): Promise<number> => {
    child.stdin.write('step\n');
    return Number(await next());
  };
  return {
    contestant: { name: header.name, step, selfTimed: true },
    firstLoss: header.firstLoss,
    close: () => child.stdin.end(),
  };
}
