import { describe } from './shape.js';

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
