#!/usr/bin/env node
// `adjoint example <name> [options]` and `adjoint demo`: the examples' commands, run from source with tsx,
// in the directory they were started from (so --out and the pictures' paths are relative to it).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const commands = { example: 'src/cli.ts', demo: 'src/demo.ts' };
const [command, ...rest] = process.argv.slice(2);
if (!Object.hasOwn(commands, command ?? '')) {
  const got = command === undefined ? 'no command' : `unknown command "${command}"`;
  console.error(
    `adjoint: ${got}\nusage: adjoint example <name> [options] | adjoint demo (adjoint example --help lists the examples)`,
  );
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const run = spawnSync(
  process.execPath,
  [tsx, '--conditions=@adjoint/source', join(root, commands[command]), ...rest],
  {
    stdio: 'inherit',
    env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() },
  },
);
process.exit(run.status ?? 1);
