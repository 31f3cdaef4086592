/**
 * The sliding-window kernels: im2col and col2im (unfold, fold), and max pooling's routes from each
 * window to its maxima. Sums accumulate in float64 and round once, as in loops.ts.
 */
import { allocate, convert, dtypeOf, type NDArray, type Storage } from '../ndarray.js';

/** How a sliding window walks an image: the window, and the stride, padding and dilation per axis. */
export interface Window {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/** The output size along one axis: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1. */
export function windowCount(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** A window on an image of `shape` [N, C, H, W], every number the loops below need, and H' × W'. */
function geometry(shape: readonly number[], w: Window) {
  const [n, c, h, wd] = shape as [number, number, number, number];
  const [kh, kw] = w.kernel;
  const [sh, sw] = w.stride;
  const [ph, pw] = w.padding;
  const [dh, dw] = w.dilation;
  const oh = windowCount(h, kh, sh, ph, dh);
  const ow = windowCount(wd, kw, sw, pw, dw);
  return { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/**
 * The output positions z (of `count`) whose tap `offset + z·stride` falls inside [0, size): the range
 * [lo, hi), so the loops below copy a row's interior without a bounds test per element.
 */
function inside(count: number, offset: number, stride: number, size: number): [number, number] {
  const lo = offset >= 0 ? 0 : Math.min(count, Math.ceil(-offset / stride));
  const hi = Math.max(lo, Math.min(count, Math.ceil((size - offset) / stride)));
  return [lo, hi];
}

/**
 * im2col: x [N, C, H, W] as [N, C, kH·kW, H'·W'], entry (n, c, k, l) the input under window position k
 * at output position l, or `fill` where the window hangs over the padding.
 */
export function unfold(x: NDArray, w: Window, fill: number): Storage {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geometry(x.shape, w);
  const src = x.data;
  const out = allocate(dtypeOf(src), n * c * kh * kw * oh * ow);
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * wd;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const offset = j * dw - pw;
        const [lo, hi] = inside(ow, offset, sw, wd);
        for (let y = 0; y < oh; y++, at += ow) {
          const row = y * sh - ph + i * dh;
          if (row < 0 || row >= h) {
            for (let z = 0; z < ow; z++) out[at + z] = fill;
            continue;
          }
          const from = base + row * wd + offset;
          for (let z = 0; z < lo; z++) out[at + z] = fill;
          for (let z = lo; z < hi; z++) out[at + z] = src[from + z * sw]!;
          for (let z = hi; z < ow; z++) out[at + z] = fill;
        }
      }
    }
  }
  return out;
}

/** col2im, the adjoint of `unfold`: columns [N, C, kH·kW, H'·W'] summed back into an image of `shape`. */
export function fold(cols: NDArray, w: Window, shape: readonly number[]): Storage {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geometry(shape, w);
  const src = cols.data;
  const out = allocate(dtypeOf(src), n * c * h * wd);
  // sums in float64 and rounds once, as every reduction here does
  const sums = new Float64Array(h * wd);
  let at = 0;
  for (let plane = 0; plane < n * c; plane++) {
    sums.fill(0);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const offset = j * dw - pw;
        const [lo, hi] = inside(ow, offset, sw, wd);
        for (let y = 0; y < oh; y++, at += ow) {
          const row = y * sh - ph + i * dh;
          if (row < 0 || row >= h) continue;
          const to = row * wd + offset;
          for (let z = lo; z < hi; z++) sums[to + z * sw]! += src[at + z]!;
        }
      }
    }
    out.set(sums, plane * h * wd);
  }
  return out;
}

/**
 * Max pooling's routes: for each window of x [N, C, H, W] (dilation must be 1: pools have none), its maximum over the image's
 * elements (padding is never a candidate), and which elements equal it, as compressed rows: window o's
 * maxima are x[index[start[o]]], …, x[index[start[o + 1] − 1]]. A window holding NaN has maximum NaN and
 * no elements equal to it, so it routes no gradient. One pass: a larger element restarts the window's row.
 */
export function maxRoutes(
  x: NDArray,
  w: Window,
): { readonly max: Storage; readonly start: Int32Array; readonly index: Int32Array } {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow } = geometry(x.shape, w);
  const src = x.data;
  const max = allocate(dtypeOf(src), n * c * oh * ow);
  const start = new Int32Array(max.length + 1);
  let index = new Int32Array(2 * max.length); // grows only where ties fill it
  let count = 0;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * wd;
    for (let y = 0; y < oh; y++) {
      const r0 = Math.max(0, y * sh - ph);
      const r1 = Math.min(h, y * sh - ph + kh);
      for (let z = 0; z < ow; z++, o++) {
        const c0 = Math.max(0, z * sw - pw);
        const c1 = Math.min(wd, z * sw - pw + kw);
        const first = count;
        let m = Number.NEGATIVE_INFINITY;
        let nan = false;
        for (let r = r0; r < r1; r++) {
          for (let at = base + r * wd + c0, end = base + r * wd + c1; at < end; at++) {
            const v = src[at]!;
            if (v < m) continue;
            if (v > m) {
              m = v;
              count = first;
            } else if (v !== m) {
              nan = true; // v is NaN
              continue;
            }
            if (count === index.length) {
              const grown = new Int32Array(2 * index.length);
              grown.set(index);
              index = grown;
            }
            index[count++] = at;
          }
        }
        if (nan) {
          m = Number.NaN;
          count = first;
        }
        max[o] = m;
        start[o] = first;
      }
    }
  }
  start[o] = count;
  return { max, start, index };
}

/** Each window's gradient g[o] shared evenly among its maxima, summed into an image of x's shape. */
export function maxScatter(g: NDArray, x: NDArray, w: Window): Storage {
  const { start, index } = maxRoutes(x, w);
  const sums = new Float64Array(x.data.length); // summed in float64, rounded once
  for (let o = 0; o + 1 < start.length; o++) {
    const ties = start[o + 1]! - start[o]!;
    const share = g.data[o]! / ties;
    for (let e = start[o]!; e < start[o + 1]!; e++) sums[index[e]!]! += share;
  }
  return convert(sums, dtypeOf(g.data));
}

/** The adjoint of `maxScatter`: each window's mean of v over its maxima (0 for a window with none). */
export function maxGather(v: NDArray, x: NDArray, w: Window): Storage {
  const { start, index } = maxRoutes(x, w);
  const out = allocate(dtypeOf(v.data), start.length - 1);
  for (let o = 0; o < out.length; o++) {
    let sum = 0;
    for (let e = start[o]!; e < start[o + 1]!; e++) sum += v.data[index[e]!]!;
    out[o] = start[o + 1]! > start[o]! ? sum / (start[o + 1]! - start[o]!) : 0;
  }
  return out;
}
