// The one code generator: JavaScript source made into a function where the runtime allows it. A page's
// Content Security Policy may forbid `new Function`; then the caller keeps its portable path, which
// computes the same bits, only slower. Used by the kernels' per-op loops, the numeric vjps and fusion.

/**
 * `body` compiled as a function of `names`, called with `values`: what it returns. Null where the runtime
 * forbids generating code (an EvalError); any other error in the source is a bug, and thrown.
 */
export function generate<T>(names: readonly string[], body: string, values: readonly unknown[]): T | null {
  let make: (...values: unknown[]) => T;
  try {
    make = new Function(...names, body) as (...values: unknown[]) => T;
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
  return make(...values);
}
