import { instance } from '@viz-js/viz';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A picture an example draws: a file name and its SVG text. */
export interface Figure {
  readonly name: string;
  readonly svg: string;
}

/** Renders a Vega-Lite spec to SVG text, headless (no browser, no canvas). */
export async function render(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Options of `lossCurve`. */
export interface LossCurveOptions {
  /** What the x axis counts: 'epoch' (default) or 'step'. */
  readonly x?: 'epoch' | 'step';
  /** How many steps each value stands for (a mean over them): value i is drawn at step (i + 1)·every. */
  readonly every?: number;
}

/**
 * Loss per epoch (or step), one line per series, on a log scale with powers of ten as labels and whole
 * epochs as ticks. Series that agree to 1e-9 (relative) are drawn once and named together with how
 * closely they agree ("scalar = tensor (to 2.1e-14)"), rather than one line hiding the other.
 */
export async function lossCurve(
  title: string,
  series: Record<string, readonly number[]>,
  options: LossCurveOptions = {},
): Promise<string> {
  const x = options.x ?? 'epoch';
  const every = options.every ?? 1;
  // series closer than the eye can tell apart are drawn once, and named together with how close they are
  const merged: [string, readonly number[]][] = [];
  for (const [name, losses] of Object.entries(series)) {
    const twin = merged.findIndex(([, other]) => difference(other, losses) <= 1e-9);
    if (twin < 0) {
      merged.push([name, losses]);
      continue;
    }
    const gap = difference(merged[twin]![1], losses);
    merged[twin] = [
      `${merged[twin]![0]} = ${name} (${gap === 0 ? 'bit for bit' : `to ${gap.toExponential(1)}`})`,
      losses,
    ];
  }
  const legend = merged.length > 1 ? { orient: 'bottom' as const, labelLimit: 600 } : null;
  const positive = merged.flatMap(([, losses]) => losses.filter((v) => v > 0));
  const [low, high] = [Math.min(...positive), Math.max(...positive)];
  // a loss of exactly 0 has no place on a log axis: the line ends there
  const values = merged.flatMap(([name, losses]) =>
    losses.flatMap((loss, i) => (loss > 0 ? [{ name, [x]: (i + 1) * every, loss }] : [])),
  );
  const together = merged.filter(([name]) => name.includes(' = ')).map(([name]) => name);
  const steps = Math.max(...merged.map(([, losses]) => losses.length)) * every;
  return render({
    title: together.length === 0 ? title : { text: title, subtitle: `one line: ${together.join('; ')}` },
    width: 420,
    height: 260,
    data: { values },
    mark: { type: 'line', point: steps <= 60, aria: false },
    encoding: {
      x: {
        field: x,
        type: 'quantitative',
        title: x,
        scale: { domain: [1, Math.max(2, steps)], nice: false },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'loss',
        type: 'quantitative',
        // a decade of room on either side, so no line runs along the frame
        scale: { type: 'log', domain: [low / 3, high * 3], nice: false },
        // powers of ten where the loss falls far (1e-6); plain numbers (3, 2, 0.9) where it stays above 0.01
        axis: { format: low >= 0.01 ? '~g' : '.0e' },
        title: 'loss',
      },
      color: { field: 'name', type: 'nominal', title: null, legend },
      // a dash pattern per series, so a line that runs over another still shows it; one legend shows both
      strokeDash: { field: 'name', type: 'nominal', title: null, legend },
    },
  });
}

/** The means of consecutive groups of `n` values (a last, shorter group is left out): a noisy curve to draw with `every: n`. */
export function means(values: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + n <= values.length; i += n)
    out.push(values.slice(i, i + n).reduce((a, b) => a + b, 0) / n);
  return out;
}

/** The largest relative difference between two series (Infinity when their lengths differ). */
function difference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return Math.max(
    0,
    ...a.map((v, i) => (v === b[i] ? 0 : Math.abs(v - b[i]!) / Math.max(Math.abs(v), Math.abs(b[i]!)))),
  );
}

/**
 * A classifier's decision regions: `probability(x, y)` shaded over a grid that covers the points, and
 * the points on top, colored by their label.
 */
export async function decisionBoundary(
  title: string,
  points: { readonly x: readonly (readonly number[])[]; readonly y: readonly number[] },
  probability: (grid: number[][]) => number[],
  resolution = 60,
): Promise<string> {
  const xs = points.x.map((p) => p[0]!);
  const ys = points.x.map((p) => p[1]!);
  const pad = 0.3;
  const [x0, x1, y0, y1] = [
    Math.min(...xs) - pad,
    Math.max(...xs) + pad,
    Math.min(...ys) - pad,
    Math.max(...ys) + pad,
  ];
  const [dx, dy] = [(x1 - x0) / resolution, (y1 - y0) / resolution];
  const grid: number[][] = [];
  for (let i = 0; i < resolution; i++)
    for (let j = 0; j < resolution; j++) grid.push([x0 + (j + 0.5) * dx, y0 + (i + 0.5) * dy]);
  const p = probability(grid);
  const cells = grid.map(([gx, gy], k) => ({
    gx: gx! - dx / 2,
    gx2: gx! + dx / 2,
    gy: gy! - dy / 2,
    gy2: gy! + dy / 2,
    p: p[k]!,
  }));
  const scatter = points.x.map(([px, py], k) => ({ px, py, label: String(points.y[k]) }));
  const x = { scale: { domain: [x0, x1], nice: false }, title: 'x₁' };
  const y = { scale: { domain: [y0, y1], nice: false }, title: 'x₂' };
  return render({
    title,
    width: 360,
    height: 360,
    resolve: { scale: { color: 'independent' } },
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect', opacity: 0.55, aria: false }, // thousands of decorative cells: no labels
        encoding: {
          x: { field: 'gx', type: 'quantitative', ...x },
          x2: { field: 'gx2' },
          y: { field: 'gy', type: 'quantitative', ...y },
          y2: { field: 'gy2' },
          color: {
            field: 'p',
            type: 'quantitative',
            scale: { scheme: 'redblue', domain: [0, 1] },
            title: 'P(class 1)',
          },
        },
      },
      {
        data: { values: scatter },
        mark: { type: 'circle', size: 36, stroke: 'black', strokeWidth: 0.6, opacity: 1, aria: false },
        encoding: {
          x: { field: 'px', type: 'quantitative', ...x },
          y: { field: 'py', type: 'quantitative', ...y },
          color: {
            field: 'label',
            type: 'nominal',
            scale: { domain: ['0', '1'], range: ['#d6604d', '#4393c3'] },
            title: 'label',
          },
        },
      },
    ],
  });
}

/** A grid of 28×28 digits in grey, each titled "k: true → predicted". */
export async function digitGrid(
  title: string,
  digits: readonly {
    readonly pixels: ArrayLike<number>;
    readonly label: number;
    readonly predicted: number;
  }[],
): Promise<string> {
  return imageGrid(
    title,
    digits.map((d, k) => ({ pixels: d.pixels, width: 28, caption: `${k + 1}: ${d.label} → ${d.predicted}` })),
    { scheme: 'greys', domain: [0, 1] },
    56,
  );
}

/**
 * A grid of learned convolution filters (one kH×kW image each), on a diverging scale centred at 0 and
 * symmetric: positive weights red, negative blue, equally strong for equal sizes.
 */
export async function filterGrid(
  title: string,
  filters: readonly {
    readonly pixels: ArrayLike<number>;
    readonly width: number;
    readonly caption: string;
  }[],
): Promise<string> {
  const limit = Math.max(...filters.flatMap((f) => Array.from(f.pixels, Math.abs)));
  return imageGrid(title, filters, { scheme: 'redblue', domain: [-limit, limit], reverse: true }, 64, true);
}

async function imageGrid(
  title: string,
  images: readonly { readonly pixels: ArrayLike<number>; readonly width: number; readonly caption: string }[],
  color: {
    readonly scheme: 'greys' | 'redblue';
    readonly domain: readonly [number, number];
    readonly reverse?: boolean;
  },
  size: number,
  legend = false,
): Promise<string> {
  const values = images.flatMap((image, k) =>
    Array.from(image.pixels, (v, i) => ({
      image: image.caption,
      order: k,
      row: Math.floor(i / image.width),
      col: i % image.width,
      v,
    })),
  );
  return render({
    title,
    data: { values },
    facet: {
      field: 'image',
      type: 'ordinal',
      sort: { field: 'order' },
      title: null,
      header: { labelFontSize: 11 },
    },
    columns: 8,
    spec: {
      width: size,
      height: size,
      mark: { type: 'rect', aria: false },
      encoding: {
        x: { field: 'col', type: 'ordinal', axis: null },
        y: { field: 'row', type: 'ordinal', axis: null },
        color: {
          field: 'v',
          type: 'quantitative',
          scale: { scheme: color.scheme, domain: [...color.domain], reverse: color.reverse ?? false },
          legend: legend ? { title: 'weight' } : null,
        },
      },
    },
  });
}

/** Graphviz DOT text rendered to SVG by Graphviz compiled to WebAssembly: no system Graphviz needed. */
export async function dotToSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
