// How an elementwise op runs its kernel: directly, or, while compile() traces, through `perform`, which
// logs it as a step with its scalar function (what fusion compiles). tensor.ts records the results.
import { map, select } from './kernels/loops.js';
import type { NDArray, Storage } from './ndarray.js';
import {
  type BinaryName,
  binaryRules,
  type ComparisonName,
  comparisons,
  type UnaryName,
  unaryRules,
  whereRule,
} from './rules/elementwise.js';
import { KERNELS } from './tensor-rules.js';
import { perform, tracing } from './trace.js';

/** A unary op's result. */
export function unaryData(name: UnaryName, x: NDArray): Storage {
  const kernel = KERNELS.unary[name];
  if (tracing === null) return kernel(x.data);
  return perform(name, (i) => kernel(i[0]!.data), [x], { fn: unaryRules[name].forward, shape: x.shape });
}

/** `f` applied to every element of x (an op whose function has an argument, as leakyRelu's slope). */
export function mapData(name: string, x: NDArray, f: (v: number) => number): Storage {
  if (tracing === null) return map(x.data, f);
  return perform(name, (i) => map(i[0]!.data, f), [x], { fn: f, shape: x.shape });
}

/** A binary op's result over the broadcast `shape`. */
export function binaryData(name: BinaryName, a: NDArray, b: NDArray, shape: readonly number[]): Storage {
  return zip(name, KERNELS.binary[name], binaryRules[name].forward, a, b, shape);
}

/** A comparison's 0/1 result over the broadcast `shape`. */
export function compareData(name: ComparisonName, a: NDArray, b: NDArray, shape: readonly number[]): Storage {
  return zip(name, KERNELS.comparison[name], comparisons[name], a, b, shape);
}

/** `a` where `c` is nonzero, `b` elsewhere, over the broadcast `shape`. */
export function whereData(a: NDArray, c: NDArray, b: NDArray, shape: readonly number[]): Storage {
  if (tracing === null) return select(c, a, b, shape);
  return perform('where', (i) => select(i[1]!, i[0]!, i[2]!, shape), [a, c, b], {
    fn: whereRule.forward,
    shape,
  });
}

function zip(
  name: string,
  kernel: (a: NDArray, b: NDArray, shape: readonly number[]) => Storage,
  fn: (x: number, y: number) => number,
  a: NDArray,
  b: NDArray,
  shape: readonly number[],
): Storage {
  if (tracing === null) return kernel(a, b, shape);
  return perform(name, (i) => kernel(i[0]!, i[1]!, shape), [a, b], { fn, shape });
}
