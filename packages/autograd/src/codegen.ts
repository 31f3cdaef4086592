// The one code generator: JavaScript source made into a function where the runtime allows it. A page's
// Content Security Policy may forbid `new Function`; then the caller keeps its portable path, which
// computes the same bits, only slower. Used by the kernels' per-op loops, the numeric vjps, fusion, and
// the scalar engine's copies of the sort and the sweep.

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

/**
 * A fresh copy of a self-contained function (one that reads nothing but its arguments): its own code,
 * so V8 keeps its own type feedback, and a call site that sees one kind of argument stays monomorphic
 * where the shared function would see several. The function itself where code cannot be generated.
 */
export function copyOf<F>(fn: F): F {
  // esbuild (tsx, Vite) names a class through a helper of its module, `__name`: the copy gets its own
  return generate<F>(['__name'], `return ${String(fn)}`, [keepName]) ?? fn;
}

function keepName<T>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}
