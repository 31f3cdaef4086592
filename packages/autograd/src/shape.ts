/** Thrown when shapes do not fit together; the message names both shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** `[2, 3]`, the way every error message prints a shape. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Whether two shapes are equal, axis for axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short description of a bad argument for an error message, as adjoint's errors print it: its type, and its value when that helps. */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value !== 'object') return typeof value;
  const type = value.constructor?.name;
  if (type !== undefined && type !== 'Object') return type;
  const keys = Object.keys(value);
  return `an object {${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

/**
 * The candidate `name` most likely misspells, if any: the nearest by edit distance (a swap of two
 * neighbours counts as one edit) within a third of the name's length, or one that the name (of three
 * letters or more), or the name less its last letter, begins ('acc' for 'accuracy'). Case is ignored.
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  if (!Array.isArray(candidates))
    throw new TypeError(`closest: expected a list of names, got ${describe(candidates)}`);
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance && d < wanted.length) [best, bestDistance] = [candidate, d];
  }
  const begins = (start: string) =>
    start.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(start)) : undefined;
  return best ?? begins(wanted) ?? begins(wanted.slice(0, -1));
}

/** The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Throws for an argument `op` was given past its parameters `names`: it takes no options. */
export function checkArity(op: string, args: ArrayLike<unknown>, names: readonly string[]): void {
  if (args.length <= names.length) return;
  throw new TypeError(
    `${op}: takes ${names.join(', ')} and no options; got ${describe(args[names.length])} after ${names.at(-1)}`,
  );
}

/**
 * Checks an options object given to `op`: a plain object (or undefined) whose keys are all among
 * `allowed`; an unknown key is an error naming it, the closest allowed one, and the list.
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (!Array.isArray(allowed))
    throw new TypeError(
      `checkOptions: expected the allowed option names as an array, got ${describe(allowed)}`,
    );
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`${op}: expected an options object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    const hint = guess === undefined ? '' : `; did you mean '${guess}'?`;
    throw new TypeError(`${op}: unknown option '${key}'${hint} (options: ${allowed.join(', ')})`);
  }
}
