import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

// Every citation of a note in the code and tests ("note 001 §1.3", "eq. 26–28", "Algorithm 1") must
// resolve to a heading of docs/derivations.md, where the equation is restated in our words with the test
// that checks it: the notes themselves do not ship with the repository.
const root = resolve(dirname(new URL(import.meta.url).pathname), '../../..');

/** A citation: which note, and what in it ('eq. 26', '§1.3', 'Algorithm 1', or '' for the note itself). */
type Citation = `${string} ${string}`;

const NOTE = /\b[Nn]otes? (\d{3})((?:(?:, | and |-|–)\d{3})*)/g;
const PART =
  /§(\d+(?:\.\d+)*)(?:[–-](\d+(?:\.\d+)*))?|\beqs?\. (\d+(?:\s*(?:[–-]|,|and)\s*\d+)*)|\bAlgorithm (\d+)/g;

/** Expands "26–28", "10, 13, 23", "44-45" into numbers. */
function numbers(list: string): number[] {
  return list.split(/\s*(?:,|and)\s*/).flatMap((part) => {
    const [from, to] = part.split(/\s*[–-]\s*/).map(Number);
    return to === undefined ? [from!] : Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
  });
}

/** The citations in `text`, each part given to the note mentioned last before it. */
function citations(text: string): { citation: Citation; orphan: boolean }[] {
  const found: { at: number; note?: string; part?: string }[] = [];
  for (const m of text.matchAll(NOTE)) {
    const list = [m[1]!, ...[...m[2]!.matchAll(/\d{3}/g)].map((d) => d[0])];
    const notes = m[2]!.includes('-') || m[2]!.includes('–') ? range(list[0]!, list.at(-1)!) : list;
    for (const note of notes) found.push({ at: m.index!, note });
  }
  for (const m of text.matchAll(PART)) {
    const parts =
      m[1] !== undefined
        ? sections(m[1], m[2])
        : m[3] !== undefined
          ? numbers(m[3]).map((n) => `eq. ${n}`)
          : [`Algorithm ${m[4]}`];
    for (const part of parts) found.push({ at: m.index!, part });
  }
  found.sort((a, b) => a.at - b.at);
  let note: string | undefined;
  return found.map((f) => {
    if (f.note !== undefined) {
      note = f.note;
      return { citation: `${f.note} ` as Citation, orphan: false };
    }
    return { citation: `${note ?? '???'} ${f.part}` as Citation, orphan: note === undefined };
  });
}

function range(from: string, to: string): string[] {
  return Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) =>
    String(Number(from) + i).padStart(3, '0'),
  );
}

function sections(from: string, to: string | undefined): string[] {
  if (to === undefined) return [`§${from}`];
  const [major, first] = from.split('.').map(Number);
  const last = Number(to.split('.').at(-1));
  return Array.from({ length: last - first! + 1 }, (_, i) => `§${major}.${first! + i}`);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('every citation of a note in packages/*/src and packages/*/test resolves to a heading of docs/derivations.md', () => {
  const headings = readFileSync(join(root, 'docs/derivations.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('#'))
    .join('\n');
  const covered = new Set(citations(headings).map((c) => c.citation));
  const packages = join(root, 'packages');
  const unresolved: string[] = [];
  for (const name of readdirSync(packages)) {
    for (const folder of ['src', 'test']) {
      const dir = join(packages, name, folder);
      if (!existsSync(dir)) continue;
      for (const file of sources(dir).filter((f) => !f.endsWith('citations.test.ts'))) {
        for (const { citation, orphan } of citations(readFileSync(file, 'utf8'))) {
          if (orphan || !covered.has(citation)) unresolved.push(`${relative(root, file)}: note ${citation}`);
        }
      }
    }
  }
  expect([...new Set(unresolved)]).toEqual([]);
});
