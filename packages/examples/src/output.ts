import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Figure } from './plot';

/**
 * Where pictures go: `dir` (default out/) taken relative to the directory the command was started from.
 * pnpm runs a package's scripts in the package's folder and says where the user was in INIT_CWD.
 */
export function outDir(dir = 'out'): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), dir);
}

/** Where pictures go by default: out/ in the directory the command was started from. */
export function defaultOutDir(): string {
  return outDir();
}

/** Writes each figure as DIR/name.svg and returns the paths. */
export function writeFigures(dir: string, figures: readonly Figure[]): string[] {
  mkdirSync(dir, { recursive: true });
  return figures.map(({ name, svg }) => {
    const path = join(dir, `${name}.svg`);
    writeFileSync(path, svg);
    return path;
  });
}
