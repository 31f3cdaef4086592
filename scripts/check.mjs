#!/usr/bin/env node
// `pnpm check`: every check in turn (type-check, lint, the tests, the API reference, the consumer test),
// stopping at the first that fails. Where the output is not a terminal (a file, a pipe, CI) the tools
// are asked for plain text: vitest colours its output whenever TERM is set, terminal or not.
import { spawnSync } from 'node:child_process';

const STEPS = ['typecheck', 'lint', 'test', 'docs', 'consumer'];
const env = process.stdout.isTTY ? process.env : { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined };
// pnpm runs this script with npm_execpath set to itself: each step runs with the same pnpm
const pnpm = process.env.npm_execpath;
if (pnpm === undefined) {
  console.error('check: run it as `npx -y pnpm@10 check`');
  process.exit(2);
}
for (const step of STEPS) {
  console.log(`\n== ${step}`);
  const run = spawnSync(process.execPath, [pnpm, 'run', step], { stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`\ncheck: ${step} failed (exit ${run.status ?? run.signal})`);
    process.exit(run.status ?? 1);
  }
}
console.log('\ncheck: every step passed');
