// The one code generator: JavaScript source made into a function where the runtime allows it. A page's
// Content Security Policy may forbid `new Function`; then the caller keeps its portable path, which
// computes the same bits, only slower. Used by the kernels' per-op loops, the numeric vjps, fusion, and
// the scalar engine's copies of the sort and the sweep.

/**
 * `body` compiled as a function of `names`, called with `values`: what it returns. Null where the runtime
 * forbids generating code (an EvalError); any other error in the source is a bug, and thrown. The body
 * may also use `pick`, a scratch array of its own for branch-free selects (see PICK).
 */
export function generate<T>(names: readonly string[], body: string, values: readonly unknown[]): T | null {
  let make: (...values: unknown[]) => T;
  try {
    make = new Function('pick', ...names, body) as (...values: unknown[]) => T;
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
  return make(new Float64Array(2), ...values);
}

/**
 * A select without a branch, as a rule's source writes it: `c ? a : b` is a branch, and where c follows
 * the data (a ReLU's input is positive or not at random) V8's guess is wrong half the time; a loop of
 * ReLUs ran 9 times slower than the same loop with `pick(c, a, b)`, which stores a and b in a two-element
 * array and reads the element that `+c` (0 or 1) indexes. A Float64Array keeps every double as it is,
 * −0 and NaN included, so the two give the same bits; `a` and `b` are both evaluated (plain operands).
 */
export function pick(condition: string, a: string, b: string): string {
  return `(pick[0] = ${b}, pick[1] = ${a}, pick[+(${condition})])`;
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
