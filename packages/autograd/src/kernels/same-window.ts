// The sliding-window kernels of a "same" window walk: stride 1, no dilation, and an output the size of
// the image (a 3×3 convolution padded by 1). There a tap's block of the columns is the image shifted by
// one flat offset, which unfold copies as one slice and fold reads pixel by pixel. Imports codegen.ts;
// window.ts calls these where its window is such a walk.
import { generate } from '../codegen.js';
import { type DType, dtypeOf, type Storage } from '../ndarray.js';

/** A window's walk on images [N, C, H, W] (window.ts's geometry): kernel, stride, padding, dilation, output. */
interface Walk {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly wd: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}

/** Whether a window walks the image one step at a time and keeps its size. */
export function isSame(g: Walk): boolean {
  return g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.oh === g.h && g.ow === g.wd;
}

/**
 * unfold for a window that moves one step at a time over an image whose size it keeps (a "same"
 * convolution): each tap's block is the plane shifted by one flat offset, so the part of it that lies
 * inside the plane is one copy (TypedArray.set: three times faster than a loop per row of 14 elements),
 * and then the positions whose tap hangs over the left or right edge, which the shift wrapped onto the
 * row before or after, get `fill`, as the rows above and below the plane do.
 */
export function unfoldSame(src: Storage, out: Storage, g: Walk, fill: number): Storage {
  const { n, c, h, wd, kh, kw, ph, pw } = g;
  const area = h * wd;
  for (let plane = 0, at = 0; plane < n * c; plane++) {
    const base = plane * area;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, at += area) {
        const offset = j - pw; // the column a position's tap reads, less the position's own
        const shift = (i - ph) * wd + offset;
        // the rows whose tap row is inside the plane, and within them the positions whose flat tap is
        const [top, bottom] = [Math.max(0, ph - i) * wd, Math.min(h, h + ph - i) * wd];
        const [from, to] = [Math.max(top, -shift), Math.min(bottom, area - shift)];
        // (short runs by loops: a call of fill or subarray costs as much as a row of 14 elements)
        for (let k = at; k < at + from; k++) out[k] = fill;
        out.set(src.subarray(base + shift + from, base + shift + to), at + from);
        for (let k = at + to; k < at + area; k++) out[k] = fill;
        // the positions [0, −offset) or [wd − offset, wd) of each row took a tap from the next row over
        const [first, last] = offset < 0 ? [0, -offset] : [wd - offset, wd];
        for (let row = at + top; row < at + bottom; row += wd)
          for (let k = row + first; k < row + last; k++) out[k] = fill;
      }
    }
  }
  return out;
}

/**
 * fold (col2im) of a same window walk: each pixel the sum of its taps, gathered in tap order (the order
 * in which the general fold adds them into its sums, so the same bits), in a float64 local and rounded
 * once. The pixels whose every tap is inside the columns run in a loop written for the number of taps
 * (9 loads and adds a pixel, no test: 8.4 → ~4.5 ms for W6's second convolution); the border's pixels
 * read the taps a list made once per geometry gives them (for W6's second convolution 2.3 ms a
 * fold, where testing each tap took 3.2). Where code cannot be generated, the list takes every pixel.
 */
export function foldSame(src: Storage, out: Storage, g: Walk): Storage {
  const { n, c, h, wd, kh, kw, ph, pw } = g;
  const area = h * wd;
  const taps = kh * kw;
  // where pixel k's tap (i, j) is, from the plane's first column: its block, less the block's shift
  const at = new Int32Array(taps);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) at[i * kw + j] = (i * kw + j) * area - ((i - ph) * wd + (j - pw));
  // the rows and columns of pixels whose every tap lies inside the plane's blocks
  const [top, bottom, left, right] = [kh - 1 - ph, h - ph, kw - 1 - pw, wd - pw];
  const interior = top < bottom && left < right ? interiorLoop(taps, dtypeOf(src)) : null;
  const { pixels, ends, reads } = borderOf(g, top, bottom, left, right, interior !== null);
  for (let plane = 0; plane < n * c; plane++) {
    const [base, o] = [plane * taps * area, plane * area];
    interior?.(src, out, at, base, o, top, bottom, left, right, wd);
    // the border's pixels, each from the list of its taps inside the plane, in tap order
    for (let p = 0, t = 0; p < pixels.length; p++) {
      let s = 0;
      for (const end = ends[p]!; t < end; t++) s += src[base + reads[t]!]!;
      out[o + pixels[p]!] = s;
    }
  }
  return out;
}

/**
 * The pixels of a plane that foldSame's interior loop leaves (all of them without one), and for each the
 * places of its taps that lie inside the plane's blocks, in tap order: pixel p reads
 * `reads[ends[p − 1] … ends[p])`, from the plane's first column. Made once per geometry a fold uses.
 */
function borderOf(
  g: Walk,
  top: number,
  bottom: number,
  left: number,
  right: number,
  skipInterior: boolean,
): { pixels: Int32Array; ends: Int32Array; reads: Int32Array } {
  const { h, wd, kh, kw, ph, pw } = g;
  const key = `${h}:${wd}:${kh}:${kw}:${ph}:${pw}:${skipInterior}`;
  let border = borders.get(key);
  if (border === undefined) {
    const area = h * wd;
    const pixels: number[] = [];
    const ends: number[] = [];
    const reads: number[] = [];
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < wd; col++) {
        if (skipInterior && r >= top && r < bottom && col >= left && col < right) continue;
        pixels.push(r * wd + col);
        for (let i = 0; i < kh; i++) {
          const y = r - i + ph;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const z = col - j + pw;
            if (z >= 0 && z < wd) reads.push((i * kw + j) * area + y * wd + z);
          }
        }
        ends.push(reads.length);
      }
    }
    border = { pixels: Int32Array.from(pixels), ends: Int32Array.from(ends), reads: Int32Array.from(reads) };
    borders.set(key, border);
  }
  return border;
}

/** The borders made so far, by geometry. */
const borders = new Map<string, { pixels: Int32Array; ends: Int32Array; reads: Int32Array }>();

type Interior = (
  src: Storage,
  out: Storage,
  at: Int32Array,
  base: number,
  o: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
  wd: number,
) => void;

/** The interior loops made so far, by tap count and dtype: one per kernel size a program uses. */
const interiors = new Map<string, Interior | null>();

/** foldSame's loop over the pixels whose taps are all inside, written out for `taps` taps. */
function interiorLoop(taps: number, dtype: DType): Interior | null {
  const key = `${taps}:${dtype}`;
  if (!interiors.has(key)) {
    const offsets = Array.from({ length: taps }, (_, t) => `const t${t} = at[${t}] + base;`);
    const sums = Array.from({ length: taps }, (_, t) => `s += src[t${t} + k];`);
    const source = `return function interior(src, out, at, base, o, top, bottom, left, right, wd) {
  ${offsets.join(' ')}
  for (let r = top; r < bottom; r++)
    for (let k = r * wd + left, end = r * wd + right; k < end; k++) {
      let s = 0; ${sums.join(' ')}
      out[o + k] = s;
    }
};`;
    interiors.set(key, generate<Interior>([], source, []));
  }
  return interiors.get(key)!;
}
