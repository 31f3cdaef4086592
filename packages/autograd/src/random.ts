import { describe } from './shape.js';

/** An Rng's state as plain JSON: xoshiro128**'s four words, and the normal deviate kept for the next call. */
export interface RngState {
  readonly s: readonly number[];
  readonly spare: number | null;
}

/**
 * A seeded random number generator (xoshiro128**, seeded through splitmix32): the only source of
 * randomness in adjoint, so the same seed gives the same numbers, bit for bit, on every machine.
 */
export class Rng {
  readonly #s = new Uint32Array(4);
  #spare: number | null = null;

  /** `seed` must be an integer; different seeds give independent-looking streams. */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new TypeError(`Rng: expected seed to be a safe integer, got ${describe(seed)}`);
    }
    // splitmix32 over both halves of the seed fills the state; it is never all zero.
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = z ^ (z >>> 16);
    }
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1), with all 53 bits of a double random. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Standard normal, by the Box–Muller transform (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const spare = this.#spare;
      this.#spare = null;
      return spare;
    }
    const u = 1 - this.uniform(); // in (0, 1], so the log is finite
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new RangeError(`Rng.int: expected a positive integer, got ${describe(n)}`);
    return Math.floor(this.uniform() * n);
  }

  /**
   * Where the generator is, as plain JSON (PyTorch's `Generator.get_state`): `setState` on any Rng puts it
   * here, so it draws the same numbers from then on (a resumed run's dropout masks, a dataset's shuffles).
   */
  getState(): RngState {
    return { s: Array.from(this.#s), spare: this.#spare };
  }

  /** Puts the generator where `getState` found one; the state is checked whole before anything changes. */
  setState(state: RngState): void {
    const s = (state as Partial<RngState> | null)?.s;
    const spare = (state as Partial<RngState> | null)?.spare;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32) ||
      s.every((v) => v === 0)
    )
      throw new TypeError(
        `Rng.setState: expected s to be 4 unsigned 32-bit integers, not all 0 (as getState gives them), got ${describe(s)}`,
      );
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare)))
      throw new TypeError(
        `Rng.setState: expected spare to be null or a finite number, got ${describe(spare)}`,
      );
    this.#s.set(s);
    this.#spare = spare;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    if (!Array.isArray(items)) throw new TypeError(`Rng.shuffle: expected an array, got ${describe(items)}`);
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
