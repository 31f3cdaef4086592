#!/usr/bin/env node
// `adjoint example <name> [options]`, `adjoint demo` and `adjoint help`: the examples' commands, run from source with tsx,
// in the directory they were started from (so --out and the pictures' paths are relative to it).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const commands = { example: 'src/cli.ts', demo: 'src/demo.ts' };
const USAGE = `usage: adjoint <command>

commands:
  adjoint demo                       the tour: every example, quick, with its pictures
  adjoint example <name> [options]   one example in full (adjoint example --help lists them and the options)
  adjoint help                       this text`;
const [command, ...rest] = process.argv.slice(2);
if (command === 'help' || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(0);
}
if (!Object.hasOwn(commands, command ?? '')) {
  const got = command === undefined ? 'no command' : `unknown command "${command}"`;
  console.error(`adjoint: ${got}\n${USAGE}`);
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const run = spawnSync(
  process.execPath,
  [tsx, '--conditions=@adjoint/source', join(root, commands[command]), ...rest],
  {
    stdio: 'inherit',
    // the directory the user is in is this process's own: an INIT_CWD left by some outer pnpm is not it
    env: { ...process.env, INIT_CWD: process.cwd(), ADJOINT_PROG: `adjoint ${command}` },
  },
);
process.exit(run.status ?? 1);
