import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerPath } from './command';
import type { Figure } from './plot';

/** Where pictures go: `dir` (default out/) taken relative to the directory the command was started from. */
export function outDir(dir = 'out'): string {
  return callerPath(dir);
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
