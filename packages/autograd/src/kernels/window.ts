/**
 * The sliding-window kernels: im2col and col2im (unfold, fold), and max pooling with the routes of its
 * gradient from each window to its maxima. Sums accumulate in float64 and round once, as in loops.ts.
 */
import { dtypeOf, type NDArray, type Storage } from '../ndarray.js';
import { allocate, allocateUnzeroed } from '../run.js';
import { convert } from './loops.js';
import { foldSame, isSame, unfoldSame } from './same-window.js';

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
export function geometry(shape: readonly number[], w: Window) {
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
  const g = geometry(x.shape, w);
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const src = x.data;
  const out = allocateUnzeroed(dtypeOf(src), n * c * kh * kw * oh * ow); // every entry written
  if (sh === 1 && sw === 1 && dh === 1 && dw === 1 && oh === h && ow === wd)
    return unfoldSame(src, out, g, fill);
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
  const g = geometry(shape, w);
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const src = cols.data;
  if (isSame(g)) return foldSame(src, allocateUnzeroed(dtypeOf(src), n * c * h * wd), g);
  const out = allocate(dtypeOf(src), n * c * h * wd);
  // sums in float64 and rounds once, as every reduction here does
  const sums = allocate('float64', h * wd) as Float64Array;
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
 * Each output position's span of input rows (or columns) under its window, clipped to the image so
 * padding is never read: position z covers [span[2z], span[2z + 1]).
 */
function spans(count: number, stride: number, padding: number, kernel: number, size: number): Int32Array {
  const out = new Int32Array(2 * count);
  for (let z = 0; z < count; z++) {
    out[2 * z] = Math.max(0, z * stride - padding);
    out[2 * z + 1] = Math.min(size, z * stride - padding + kernel);
  }
  return out;
}

/** A pooling window (dilation 1) on an image of `shape`: the planes, the spans, and H' × W'. */
function pooling(shape: readonly number[], w: Window) {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow } = geometry(shape, w);
  return { planes: n * c, h, wd, oh, ow, rows: spans(oh, sh, ph, kh, h), cols: spans(ow, sw, pw, kw, wd) };
}

/** The maximum of x over [r0, r1) × [c0, c1) of the plane at `base`: NaN if any element is NaN. */
function windowMax(src: Storage, base: number, wd: number, r0: number, r1: number, c0: number, c1: number) {
  let m = Number.NEGATIVE_INFINITY;
  for (let r = r0; r < r1; r++) {
    for (let at = base + r * wd + c0, end = base + r * wd + c1; at < end; at++) {
      const v = src[at]!;
      if (v > m || Number.isNaN(v)) m = v; // once NaN, m stays NaN: no v is > NaN
    }
  }
  return m;
}

/** Whether `w` is 2×2 windows with stride 2 and no padding: the common pool, whose windows never overlap. */
function isPairs(w: Window): boolean {
  return [...w.kernel, ...w.stride].every((k) => k === 2) && w.padding[0] === 0 && w.padding[1] === 0;
}

/**
 * windowMax of the four elements of a 2×2 window, in the same order (row by row) and with the same NaN
 * rule, without a branch: which element wins follows the data, and a guessed branch is wrong most times
 * (see codegen's pick; `pick` is a two-element scratch array).
 */
function max4(a: number, b: number, c: number, d: number, pick: Float64Array): number {
  return beats(beats(beats(a, b, pick), c, pick), d, pick);
}

/** v where it is greater than m or NaN, else m: windowMax's step. */
function beats(m: number, v: number, pick: Float64Array): number {
  pick[0] = m;
  pick[1] = v;
  return pick[+(v > m) | +Number.isNaN(v)]!;
}

/**
 * Max pooling of x [N, C, H, W] (dilation must be 1: pools have none): each window's maximum over the
 * image's elements (padding is never a candidate); NaN if the window holds one.
 */
export function maxPool(x: NDArray, w: Window): Storage {
  const { planes, h, wd, oh, ow, rows, cols } = pooling(x.shape, w);
  const src = x.data;
  const out = allocateUnzeroed(dtypeOf(src), planes * oh * ow); // every window's maximum written
  if (isPairs(w)) {
    // 2×2 windows, stride 2: four loads and three comparisons a window
    const pick = new Float64Array(2);
    for (let plane = 0, o = 0; plane < planes; plane++)
      for (let y = 0; y < oh; y++)
        for (let z = 0, p = plane * h * wd + 2 * y * wd; z < ow; z++, o++, p += 2)
          out[o] = max4(src[p]!, src[p + 1]!, src[p + wd]!, src[p + wd + 1]!, pick);
    return out;
  }
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * h * wd;
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++, o++)
        out[o] = windowMax(src, base, wd, rows[2 * y]!, rows[2 * y + 1]!, cols[2 * z]!, cols[2 * z + 1]!);
  }
  return out;
}

/**
 * Each window's gradient g[o] shared evenly among the elements equal to its maximum (a window holding
 * NaN routes nothing), summed into an image of x's shape, in float64 and rounded once. `pooled` is
 * maxPool(x): each window's maximum, read rather than found again (it is one of x's elements, so the
 * same number).
 */
export function maxScatter(g: NDArray, x: NDArray, pooled: NDArray, w: Window): Storage {
  const { planes, h, wd, oh, ow, rows, cols } = pooling(x.shape, w);
  const src = x.data;
  const gs = g.data; // read once: a Tensor's data is a getter
  const maxima = pooled.data;
  if (isPairs(w)) return scatterPairs(gs, src, maxima, planes, h, wd, oh, ow);
  const sums = allocate('float64', src.length) as Float64Array;
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * h * wd;
    for (let y = 0; y < oh; y++) {
      const r0 = rows[2 * y]!;
      const r1 = rows[2 * y + 1]!;
      for (let z = 0; z < ow; z++, o++) {
        const c0 = cols[2 * z]!;
        const c1 = cols[2 * z + 1]!;
        const m = maxima[o]!;
        let ties = 0;
        for (let r = r0; r < r1; r++)
          for (let at = base + r * wd + c0, end = base + r * wd + c1; at < end; at++)
            if (src[at] === m) ties++;
        if (ties === 0) continue; // NaN: no element equals it
        const share = gs[o]! / ties;
        for (let r = r0; r < r1; r++)
          for (let at = base + r * wd + c0, end = base + r * wd + c1; at < end; at++)
            if (src[at] === m) sums[at]! += share;
      }
    }
  }
  return convert(sums, dtypeOf(g.data));
}

/**
 * maxScatter for 2×2 windows with stride 2: the windows never overlap, so each element gets at most one
 * share and is written once, rounded once (`+ 0` makes a −0 share +0, as 0 + share did in the sums).
 */
function scatterPairs(
  g: Storage,
  src: Storage,
  maxima: Storage,
  planes: number,
  h: number,
  wd: number,
  oh: number,
  ow: number,
): Storage {
  // every element written where the windows cover the image (an odd last row or column is zeros)
  const covered = h === 2 * oh && wd === 2 * ow;
  const out = (covered ? allocateUnzeroed : allocate)(dtypeOf(g), src.length);
  const share = new Float64Array(2);
  for (let plane = 0, o = 0; plane < planes; plane++) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0, p = plane * h * wd + 2 * y * wd; z < ow; z++, o++, p += 2) {
        const m = maxima[o]!;
        const ea = +(src[p] === m);
        const eb = +(src[p + 1] === m);
        const ec = +(src[p + wd] === m);
        const ed = +(src[p + wd + 1] === m);
        // each element its share or 0, chosen without a branch (see codegen's pick); a window holding
        // NaN has no element equal to its maximum, so all four get 0
        share[0] = 0;
        share[1] = g[o]! / (ea + eb + ec + ed) + 0;
        out[p] = share[ea]!;
        out[p + 1] = share[eb]!;
        out[p + wd] = share[ec]!;
        out[p + wd + 1] = share[ed]!;
      }
    }
  }
  return out;
}

/**
 * The adjoint of `maxScatter`: each window's mean of v over its maxima (0 for a window with none);
 * `pooled` is maxPool(x), as maxScatter reads it.
 */
export function maxGather(v: NDArray, x: NDArray, pooled: NDArray, w: Window): Storage {
  const { planes, h, wd, oh, ow, rows, cols } = pooling(x.shape, w);
  const src = x.data;
  const vs = v.data; // read once: a Tensor's data is a getter
  const maxima = pooled.data;
  const out = allocate(dtypeOf(vs), planes * oh * ow);
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * h * wd;
    for (let y = 0; y < oh; y++) {
      const r0 = rows[2 * y]!;
      const r1 = rows[2 * y + 1]!;
      for (let z = 0; z < ow; z++, o++) {
        const c0 = cols[2 * z]!;
        const c1 = cols[2 * z + 1]!;
        const m = maxima[o]!;
        let ties = 0;
        let sum = 0;
        for (let r = r0; r < r1; r++) {
          for (let at = base + r * wd + c0, end = base + r * wd + c1; at < end; at++) {
            if (src[at] !== m) continue;
            ties++;
            sum += vs[at]!;
          }
        }
        out[o] = ties > 0 ? sum / ties : 0;
      }
    }
  }
  return out;
}
