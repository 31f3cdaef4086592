/**
 * The decision boundary (or, for regression, the network's output over the plane): the points and axes
 * drawn by Observable Plot once per run, and under them a canvas of the model's output on a grid,
 * repainted in place as it trains (a millisecond or two, where redrawing the plot took 20–50 ms).
 */
import * as Plot from '@observablehq/plot';
import { OUTPUT_CELLS as SIZE, type Snapshot } from './snapshot.js';

/** The plot's margins, which place the canvas under its frame. */
const MARGIN = { top: 10, right: 10, bottom: 25, left: 35 };
/** The output's colours are laid over white at this opacity, so the points stand out. */
const OPACITY = 0.45;

/** What was built for the run shown: its plot, its canvas, and the colours of 256 levels of output. */
let built: {
  run: number;
  width: number;
  canvas: HTMLCanvasElement;
  palette: Uint8ClampedArray;
  domain: readonly [number, number];
} | null = null;

/**
 * Draws the boundary of run `run` at `snapshot` into `box`, `width` pixels wide: the plot when the run
 * or width is new, the output always.
 */
export function drawBoundary(box: HTMLElement, snapshot: Snapshot, run: number, width: number): void {
  if (built?.run !== run || built.width !== width || !box.contains(built.canvas))
    built = build(box, snapshot, run, width);
  const { canvas, palette, domain } = built;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(SIZE, SIZE);
  const [low, high] = domain;
  snapshot.grid.forEach((v, i) => {
    const level = Math.round((255 * (Math.min(high, Math.max(low, v)) - low)) / (high - low));
    image.data.set(palette.subarray(4 * level, 4 * level + 4), 4 * i);
  });
  context.putImageData(image, 0, 0);
}

function build(box: HTMLElement, t: Snapshot, run: number, width: number): NonNullable<typeof built> {
  // classes: the probability of class 1 around 0.5, each point in its class's colour; regression: the
  // output around 0, each point in the colour of its target on the same scale
  const domain = t.regression ? ([-1, 1] as const) : ([0, 1] as const);
  const color = {
    type: 'diverging' as const,
    domain: [...domain],
    pivot: (domain[0] + domain[1]) / 2,
    scheme: 'RdBu' as const,
  };
  // the frame square: as tall inside as it is wide
  const height = width - MARGIN.left - MARGIN.right + MARGIN.top + MARGIN.bottom;
  const plot = Plot.plot({
    width,
    height,
    ...Object.fromEntries(
      Object.entries(MARGIN).map(([side, m]) => [`margin${side[0]!.toUpperCase()}${side.slice(1)}`, m]),
    ),
    style: { background: 'transparent' },
    x: { domain: [-1.8, 1.8], label: null },
    y: { domain: [-1.8, 1.8], label: null },
    color: { ...color, legend: false },
    marks: [
      Plot.frame({ stroke: '#d1d5db' }),
      Plot.dot(t.points.x, {
        x: (p: number[]) => p[0],
        y: (p: number[]) => p[1],
        r: 3,
        // a target near 0 is drawn near white: a grey ring keeps it visible
        stroke: t.regression ? '#6b7280' : 'white',
        strokeWidth: t.regression ? 0.6 : 0.8,
        fill: t.regression
          ? (_: unknown, i: number) => t.points.y[i]
          : (_: unknown, i: number) => (t.points.y[i] === 1 ? '#08306b' : '#67000d'),
      }),
    ],
  });
  plot.style.position = 'relative';
  const canvas = Object.assign(document.createElement('canvas'), { width: SIZE, height: SIZE });
  canvas.className = 'output-map';
  Object.assign(canvas.style, {
    position: 'absolute',
    left: `${MARGIN.left}px`,
    top: `${MARGIN.top}px`,
    width: `${width - MARGIN.left - MARGIN.right}px`,
    height: `${height - MARGIN.top - MARGIN.bottom}px`,
  });
  const stack = document.createElement('div');
  stack.className = 'boundary-stack';
  stack.style.position = 'relative';
  stack.style.width = `${width}px`;
  stack.append(canvas, plot);
  box.replaceChildren(stack);
  // the scale's colours at 256 levels, laid over white
  const scale = Plot.scale({ color });
  const probe = document.createElement('canvas').getContext('2d')!;
  const palette = new Uint8ClampedArray(4 * 256);
  for (let k = 0; k < 256; k++) {
    probe.fillStyle = String(scale.apply(domain[0] + ((domain[1] - domain[0]) * k) / 255));
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    palette.set([r!, g!, b!].map((c) => 255 + (c - 255) * OPACITY).concat(255), 4 * k);
  }
  return { run, width, canvas, palette, domain };
}
