import { instance } from '@viz-js/viz';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A picture an example draws: a file name and its SVG text. */
export interface Figure {
  readonly name: string;
  readonly svg: string;
}

/** Renders a Vega-Lite spec to SVG text, headless (no browser, no canvas). */
async function render(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Loss per epoch, one line per series, on a log scale. */
export async function lossCurve(title: string, series: Record<string, readonly number[]>): Promise<string> {
  const values = Object.entries(series).flatMap(([name, losses]) =>
    losses.map((loss, epoch) => ({ name, epoch: epoch + 1, loss: Math.max(loss, 1e-12) })),
  );
  return render({
    title,
    width: 420,
    height: 260,
    data: { values },
    mark: { type: 'line', point: values.length <= 60, aria: false },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' },
      color: { field: 'name', type: 'nominal', title: null },
    },
  });
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

/** 28×28 digits in a grid, each titled with its true and predicted class. */
export async function digitGrid(
  title: string,
  digits: readonly {
    readonly pixels: ArrayLike<number>;
    readonly label: number;
    readonly predicted: number;
  }[],
): Promise<string> {
  const values = digits.flatMap((d, k) =>
    Array.from(d.pixels, (v, i) => ({
      digit: `${k + 1}: ${d.label} → ${d.predicted}`,
      order: k,
      row: Math.floor(i / 28),
      col: i % 28,
      v,
    })),
  );
  return render({
    title,
    data: { values },
    facet: {
      field: 'digit',
      type: 'ordinal',
      sort: { field: 'order' },
      title: null,
      header: { labelFontSize: 11 },
    },
    columns: 8,
    spec: {
      width: 56,
      height: 56,
      mark: { type: 'rect', aria: false },
      encoding: {
        x: { field: 'col', type: 'ordinal', axis: null },
        y: { field: 'row', type: 'ordinal', axis: null },
        color: { field: 'v', type: 'quantitative', scale: { scheme: 'greys', domain: [0, 1] }, legend: null },
      },
    },
  });
}

/** Graphviz DOT text rendered to SVG by Graphviz compiled to WebAssembly: no system Graphviz needed. */
export async function dotToSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
