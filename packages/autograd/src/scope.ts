import { describe } from './shape.js';

/**
 * The engine's one kind of module state: a setting (no-grad, anomaly mode, the seam's interpreter) that
 * holds while a function runs and is restored after it, even if it throws.
 */
export class Mode<T> {
  value: T;

  constructor(initial: T) {
    this.value = initial;
  }

  /** Runs `fn` with the setting at `value`, and restores the one before. */
  with<R>(value: T, fn: () => R): R {
    const previous = this.value;
    this.value = value;
    try {
      return fn();
    } finally {
      this.value = previous;
    }
  }
}

/**
 * Calls `fn` inside a mode that lasts while it runs (no-grad, anomaly): `fn` must be a function, and
 * synchronous, since a Promise would run on after the mode is restored.
 */
export function callSynchronously<T>(op: string, mode: string, fn: () => T): T {
  if (typeof fn !== 'function')
    throw new TypeError(`${op}: expected fn to be a function, got ${describe(fn)}`);
  const result = fn();
  if (result instanceof Promise)
    throw new Error(`${op}: fn returned a Promise; ${mode} covers synchronous code only`);
  return result;
}
