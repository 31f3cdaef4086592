import { arrayOf, type DType, type Storage } from './ndarray.js';

// How nodes print, as PyTorch's repr does: `console.log(x)` in Node.js (util.inspect) and `String(x)`
// give the same text. Large tensors are summarized: the first and last three along each long axis.

/** The key Node.js's util.inspect looks for: a method that returns how an object prints. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Tensors with more elements than this print summarized, as PyTorch's threshold. */
const SUMMARIZE_ABOVE = 1000;
/** How many entries a summarized axis shows at each end. */
const EDGE = 3;

/** A number as a printout shows it: six significant digits, without trailing zeros (2, 0.333333, -1.5e-8). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const rounded = Number(x.toPrecision(6));
  return Math.abs(rounded) >= 1e15 ? rounded.toExponential() : String(rounded);
}

/** A Value's printout: `Value(data=3, grad=0.5, op=mul, label='x')`; op and label when it has them. */
export function formatValue(v: { data: number; grad: number; op: string; label: string }): string {
  const op = v.op === '' ? '' : `, op=${v.op}`;
  const label = v.label === '' ? '' : `, label=${JSON.stringify(v.label).replaceAll('"', "'")}`;
  return `Value(data=${formatNumber(v.data)}, grad=${formatNumber(v.grad)}${op}${label})`;
}

/** What `JSON.stringify(tensor)` writes; `tensor(json.data, { shape: json.shape, dtype: json.dtype })` reads it back. */
export interface TensorJSON {
  /** The elements, flat and row-major. */
  readonly data: number[];
  readonly shape: number[];
  readonly dtype: DType;
  /** The gradient's elements, flat, where the tensor has one. */
  readonly grad?: number[];
  readonly label?: string;
}

/** A tensor's JSON, from its elements and its gradient's (read by the caller): flat, never the graph. */
export function tensorJSON(t: Printable, data: Storage, grad: Storage | null): TensorJSON {
  return {
    data: Array.from(data),
    shape: [...t.shape],
    dtype: t.dtype,
    ...(grad === null ? {} : { grad: Array.from(grad) }),
    ...(t.label === '' ? {} : { label: t.label }),
  };
}

/** What a tensor's printout reads. */
interface Printable {
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly op: string;
  readonly label: string;
}

/**
 * A Tensor's printout: `Tensor([[1, 2],\n        [3, 4]], dtype=float64, requiresGrad=true)`, with the op
 * that made it (`op=matmul`, PyTorch's grad_fn) and its label; rows of a matrix on lines of their own.
 * Where the values are `hidden` (traced inside compile, or on a device) it shows that, its shape and dtype.
 */
export function formatTensor(t: Printable, hidden: string | null = null): string {
  // inside compile(), the values are the trace's and not any call's: a traced tensor shows what it is;
  // on a device, the values are not in the CPU's memory (reading them is asynchronous)
  if (hidden !== null) return `Tensor(<${hidden}>, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  const data = arrayOf(t); // the engine's read: printing inside compile shows the trace's values, refuses nothing
  const summarize = data.length > SUMMARIZE_ABOVE;
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const indent = ' '.repeat('Tensor('.length);
  const render = (axis: number, offset: number): string => {
    if (axis === t.shape.length) return formatNumber(data[offset]!);
    const size = t.shape[axis]!;
    const cut = summarize && size > 2 * EDGE;
    const positions = cut
      ? [
          ...Array.from({ length: EDGE }, (_, i) => i),
          -1,
          ...Array.from({ length: EDGE }, (_, i) => size - EDGE + i),
        ]
      : Array.from({ length: size }, (_, i) => i);
    const parts = positions.map((i) => (i < 0 ? '...' : render(axis + 1, offset + i * strides[axis]!)));
    const inner = t.shape.length - axis - 1;
    const separator = inner === 0 ? ', ' : `,${'\n'.repeat(inner)}${indent}${' '.repeat(axis + 1)}`;
    return `[${parts.join(separator)}]`;
  };
  const extras = [`dtype=${t.dtype}`];
  if (t.op !== '') extras.push(`op=${t.op}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  if (t.label !== '') extras.push(`label=${JSON.stringify(t.label).replaceAll('"', "'")}`);
  const shape = summarize ? `, shape=[${t.shape.join(', ')}]` : '';
  return `Tensor(${render(0, 0)}, ${extras.join(', ')}${shape})`;
}
