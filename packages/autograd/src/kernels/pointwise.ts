// The elementwise ops' loops: f over whole arrays, or along rows through broadcast strides, each op with
// a copy of its own (see below). Imports loops.ts's walks and codegen.ts.
import { copyOf, generate } from '../codegen.js';
import { broadcastStrides, dtypeOf, type NDArray, promote, type Storage, sizeOf } from '../ndarray.js';
import { allocateUnzeroed } from '../run.js';
import { coalesce, forEachRow } from './loops.js';

/** f applied to every element. */
export function map(x: Storage, f: (v: number) => number): Storage {
  return mapWith(mapRow, x, f);
}

/** f(a, b) elementwise over the broadcast `outShape`, reading the inputs through broadcast strides. */
export function zip(
  a: NDArray,
  b: NDArray,
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Storage {
  return zipWith(zipFlat, zipRow, a, b, outShape, f);
}

// The loops: out[i] = f(x[i], …) over whole arrays, or along a row through strides. One copy shared by
// every op calls f at a megamorphic site, which V8 does not inline: each element pays for a call. Nor
// does V8 inline f in a copy per op, where f is an argument (in an eager GPT step, mul's forward showed
// as a frame of its own, a tenth of the step): `mapKernel` and `zipKernel` write the rule's expression
// into the loop where the rule gives one, and compile a copy per op calling f where it does not. The
// loops use nothing but their arguments, so their source compiles anywhere; where a page's CSP forbids
// `new Function`, the shared copy runs.

type MapRow = (f: (v: number) => number, x: Storage, out: Storage) => void;
type ZipFlat = (f: (x: number, y: number) => number, x: Storage, y: Storage, out: Storage) => void;
type ZipRow = (
  f: (x: number, y: number) => number,
  x: Storage,
  px: number,
  ix: number,
  y: Storage,
  py: number,
  iy: number,
  out: Storage,
  o: number,
  n: number,
) => void;

const mapRow: MapRow = function mapRow(f, x, out) {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
};

// inputs of out's size, or a scalar on either side
const zipFlat: ZipFlat = function zipFlat(f, x, y, out) {
  const n = out.length;
  if (x.length === n && y.length === n) for (let i = 0; i < n; i++) out[i] = f(x[i]!, y[i]!);
  else if (x.length === n) {
    const v = y[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x[i]!, v);
  } else {
    const v = x[0]!;
    for (let i = 0; i < n; i++) out[i] = f(v, y[i]!);
  }
};

const zipRow: ZipRow = function zipRow(f, x, px, ix, y, py, iy, out, o, n) {
  for (let j = 0; j < n; j++) out[o + j] = f(x[px + j * ix]!, y[py + j * iy]!);
};

/**
 * `map(x, f)` with a loop compiled for `f` alone: build it once per op, where the op is defined. With
 * `source`, f's expression in `$0` (the rules' own, which fusion inlines too), the loop computes it in
 * place of the call: V8 does not inline f passed as an argument, and a call per element costs more than
 * most ops themselves. The same arithmetic, so the same bits.
 */
export function mapKernel(f: (v: number) => number, source?: string): (x: Storage) => Storage {
  const inlined =
    source === undefined
      ? null
      : generate<MapRow>(
          [],
          `return function mapRow(f, x, out) { for (let i = 0; i < x.length; i++) out[i] = ${expression(source, ['x[i]'])}; };`,
          [],
        );
  const row = inlined ?? copyOf(mapRow);
  return (x) => mapWith(row, x, f);
}

/** `zip(a, b, shape, f)` with a loop compiled for `f` alone (its `source` inlined, as mapKernel's). */
export function zipKernel(
  f: (x: number, y: number) => number,
  source?: string,
): (a: NDArray, b: NDArray, outShape: readonly number[]) => Storage {
  const at = (a: string, b: string) => expression(source!, [a, b]);
  const flat =
    (source === undefined
      ? null
      : generate<ZipFlat>(
          [],
          `return function zipFlat(f, x, y, out) {
  const n = out.length;
  if (x.length === n && y.length === n) for (let i = 0; i < n; i++) out[i] = ${at('x[i]', 'y[i]')};
  else if (x.length === n) { const v = y[0]; for (let i = 0; i < n; i++) out[i] = ${at('x[i]', 'v')}; }
  else { const v = x[0]; for (let i = 0; i < n; i++) out[i] = ${at('v', 'y[i]')}; }
};`,
          [],
        )) ?? copyOf(zipFlat);
  const row =
    (source === undefined
      ? null
      : generate<ZipRow>(
          [],
          `return function zipRow(f, x, px, ix, y, py, iy, out, o, n) { for (let j = 0; j < n; j++) out[o + j] = ${at('x[px + j * ix]', 'y[py + j * iy]')}; };`,
          [],
        )) ?? copyOf(zipRow);
  return (a, b, outShape) => zipWith(flat, row, a, b, outShape, f);
}

/** A rule's source with its operands `$0`, `$1`… replaced by the given expressions. */
function expression(source: string, operands: readonly string[]): string {
  return source.replace(/\$(\d)/g, (_, k: string) => `(${operands[Number(k)]})`);
}

function mapWith(row: MapRow, x: Storage, f: (v: number) => number): Storage {
  const out = allocateUnzeroed(dtypeOf(x), x.length); // every element written
  row(f, x, out);
  return out;
}

function zipWith(
  flat: ZipFlat,
  row: ZipRow,
  a: NDArray,
  b: NDArray,
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Storage {
  const size = sizeOf(outShape);
  const out = allocateUnzeroed(promote(a, b), size); // every element written
  const x = a.data;
  const y = b.data;
  if ((x.length === size || x.length === 1) && (y.length === size || y.length === 1)) flat(f, x, y, out);
  else {
    const [shape, [sx, sy]] = coalesce(outShape, [
      broadcastStrides(a.shape, outShape),
      broadcastStrides(b.shape, outShape),
    ]);
    const [ix, iy] = [sx!.at(-1) ?? 0, sy!.at(-1) ?? 0];
    forEachRow(shape, [sx!, sy!], (o, inner, [px, py]) => row(f, x, px!, ix, y, py!, iy, out, o, inner));
  }
  return out;
}
