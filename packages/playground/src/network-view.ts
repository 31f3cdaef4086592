/**
 * Inside the network, as TensorFlow Playground draws it: each neuron as a small map of what it responds
 * to over the input plane, each weight as an edge whose colour is its sign and whose width its size.
 * Hovering, tapping or focusing a neuron shows its weights in, its bias, and its bars on the last
 * mini-batch. The drawing is built once per run (and width); while it trains, the maps are repainted
 * and the edges restyled in place (a few milliseconds, where building it all again took 10–30 ms).
 */
import { FEATURES, featurize } from './config.js';
import { MAP_CELLS as CELLS, gridCells, type NeuronBars, type Snapshot } from './snapshot.js';

const SVG = 'http://www.w3.org/2000/svg';
/** A neuron's map's drawn size in pixels. */
const BOX = 44;
const GAP_Y = 14;
/** Positive amounts in blue, negative in orange (TensorFlow Playground's colours), white at 0. */
const POSITIVE = [8, 81, 156];
const NEGATIVE = [230, 85, 13];

/** Paints a map: each cell's value against `centre`, scaled by the map's largest distance from it. */
function paint(canvas: HTMLCanvasElement, values: Float64Array, centre: number): void {
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(CELLS, CELLS);
  let scale = 1e-12;
  for (const v of values) scale = Math.max(scale, Math.abs(v - centre));
  values.forEach((v, i) => {
    const t = Math.max(-1, Math.min(1, (v - centre) / scale));
    const color = t >= 0 ? POSITIVE : NEGATIVE;
    for (let c = 0; c < 3; c++) image.data[4 * i + c] = Math.round(255 + (color[c]! - 255) * Math.abs(t));
    image.data[4 * i + 3] = 255;
  });
  context.putImageData(image, 0, 0);
}

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) e.setAttribute(key, String(value));
  return e;
}

/** The neuron whose details show (layer 1 is the first hidden one), kept across redraws. */
let selected: { layer: number; unit: number } | null = null;

/** A number as the details show it: 4 significant digits, a true minus sign. */
const num = (v: number) => String(Number(v.toPrecision(4))).replace('-', '−');

/** The drawing of one run: its maps' canvases, its edges, its neurons' titles, by layer and unit. */
interface Built {
  readonly run: number;
  readonly room: number;
  readonly canvases: HTMLCanvasElement[][];
  readonly edges: SVGLineElement[][][];
  readonly titles: SVGTitleElement[][];
  readonly groups: SVGGElement[][];
  readonly detail: HTMLElement;
  /** The last bars drawn, which the details of a neuron picked between redraws show. */
  bars: NeuronBars | null;
}
let built: Built | null = null;

/**
 * Draws the network of run `run` at `snapshot` into `box`, `room` pixels wide (the inputs, each hidden
 * layer, the output), and the selected neuron's details into `detail`.
 */
export function drawNetwork(
  box: HTMLElement,
  detail: HTMLElement,
  snapshot: Snapshot,
  run: number,
  room: number,
): void {
  const maps = snapshot.maps;
  // the inputs' own maps: each feature over the plane
  const cells = featurize(gridCells(CELLS), snapshot.config.features);
  const inputs = snapshot.config.features.map((_, k) => Float64Array.from(cells, (row) => row[k]!));
  const layers = [inputs, ...maps];
  const fresh = built === null || built.run !== run || built.room !== room || built.detail !== detail;
  // a new run or width, or a box emptied since: the structure again
  if (fresh || !box.contains(built!.groups[0]![0]!))
    built = build(
      box,
      detail,
      run,
      room,
      layers.map((l) => l.length),
    );
  const b = built!;
  b.bars = snapshot.bars;
  const { weights, biases } = snapshot;
  const names = snapshot.config.features.map((f) => FEATURES[f].label);
  layers.forEach((layer, l) => {
    const output = l === layers.length - 1;
    // a sigmoid's maps centre on 0.5 (a classifier's output is one), the rest on 0
    const sigmoid = output ? !snapshot.regression : l > 0 && snapshot.config.activation === 'sigmoid';
    layer.forEach((map, unit) => {
      paint(b.canvases[l]![unit]!, map, sigmoid ? 0.5 : 0);
      b.titles[l]![unit]!.textContent =
        l === 0
          ? `input ${names[unit]}`
          : `${output ? 'output' : `layer ${l}, neuron ${unit + 1}`}: weights in ${weights[l - 1]![unit]!.map((w) => w.toFixed(3)).join(', ')}; bias ${biases[l - 1]![unit]!.toFixed(3)}`;
    });
  });
  const largest = Math.max(1e-12, ...weights.flat(2).map(Math.abs));
  weights.forEach((w, l) => {
    w.forEach((row, unit) => {
      row.forEach((weight, input) => {
        const line = b.edges[l]![unit]![input]!;
        line.setAttribute('stroke', `rgb(${(weight >= 0 ? POSITIVE : NEGATIVE).join(',')})`);
        line.setAttribute('stroke-width', (0.5 + (3.5 * Math.abs(weight)) / largest).toFixed(2));
      });
    });
  });
  if (selected !== null && b.groups[selected.layer]?.[selected.unit] !== undefined)
    describeNeuron(b, selected.layer, selected.unit);
  else {
    selected = null;
    detail.textContent = 'Point at (or tap) a neuron for its weights, its bias and its bars.';
  }
}

/** The drawing's structure for layers of `counts` units: canvases under an SVG of edges and frames. */
function build(box: HTMLElement, detail: HTMLElement, run: number, room: number, counts: number[]): Built {
  // the layers spread over the box's width (a phone's too), 30–110 px apart; wider networks scroll
  const space = room - 8 - counts.length * BOX;
  const GAP_X = Math.max(30, Math.min(110, Math.floor(space / Math.max(1, counts.length - 1))));
  const tallest = Math.max(...counts);
  const height = tallest * (BOX + GAP_Y) - GAP_Y + 20;
  const width = (counts.length - 1) * (BOX + GAP_X) + BOX + 8;
  const at = (layer: number, unit: number) => {
    const top = (height - 20 - (counts[layer]! * (BOX + GAP_Y) - GAP_Y)) / 2;
    return { x: 4 + layer * (BOX + GAP_X), y: 16 + top + unit * (BOX + GAP_Y) };
  };
  const stack = document.createElement('div');
  Object.assign(stack.style, { position: 'relative', width: `${width}px`, height: `${height}px` });
  const svg = element('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  svg.style.position = 'absolute';
  svg.setAttribute('aria-label', 'the network: each neuron’s map, each weight an edge');
  const edges = counts.slice(1).map((units, l) =>
    Array.from({ length: units }, (_, unit) =>
      Array.from({ length: counts[l]! }, (_, input) => {
        const [from, to] = [at(l, input), at(l + 1, unit)];
        const line = element('line', {
          x1: from.x + BOX,
          y1: from.y + BOX / 2,
          x2: to.x,
          y2: to.y + BOX / 2,
          'stroke-opacity': 0.7,
        });
        line.classList.add('weight');
        svg.append(line);
        return line;
      }),
    ),
  );
  const result: Built = { run, room, canvases: [], edges, titles: [], groups: [], detail, bars: null };
  counts.forEach((units, l) => {
    const caption = element('text', { x: at(l, 0).x + BOX / 2, y: 10, 'text-anchor': 'middle' });
    caption.textContent = l === 0 ? 'inputs' : l === counts.length - 1 ? 'output' : `layer ${l}`;
    svg.append(caption);
    result.canvases.push([]);
    result.titles.push([]);
    result.groups.push([]);
    for (let unit = 0; unit < units; unit++) {
      const { x, y } = at(l, unit);
      const canvas = Object.assign(document.createElement('canvas'), { width: CELLS, height: CELLS });
      canvas.className = 'map';
      Object.assign(canvas.style, { position: 'absolute', left: `${x}px`, top: `${y}px`, width: `${BOX}px` });
      stack.append(canvas);
      result.canvases[l]!.push(canvas);
      const group = element('g', { tabindex: 0 });
      group.classList.add('neuron');
      // a frame over the map, filled with nothing but still the target of a pointer
      group.append(
        element('rect', { x, y, width: BOX, height: BOX, fill: 'transparent', stroke: '#374151' }),
      );
      const title = element('title', {});
      group.append(title);
      result.titles[l]!.push(title);
      result.groups[l]!.push(group);
      if (l > 0) {
        group.dataset.layer = String(l);
        group.dataset.unit = String(unit);
        const pick = () => {
          selected = { layer: l, unit };
          describeNeuron(result, l, unit);
        };
        group.addEventListener('click', pick);
        group.addEventListener('focus', pick);
        group.addEventListener('mouseenter', pick);
      }
      svg.append(group);
    }
  });
  stack.append(svg);
  box.replaceChildren(stack);
  return result;
}

/** The neuron's weights and bias (its title) and its bars on the last mini-batch, marked as selected. */
function describeNeuron(b: Built, layer: number, unit: number): void {
  for (const row of b.groups) for (const g of row) g.classList.remove('selected');
  b.groups[layer]![unit]!.classList.add('selected');
  const title = b.titles[layer]![unit]!.textContent ?? '';
  const bar = b.bars?.layers[layer - 1]?.[unit];
  b.detail.textContent =
    b.bars === null || bar === undefined
      ? `${title}. No step yet: its bars appear after the first mini-batch.`
      : `${title}. On the last mini-batch (${b.bars.samples} samples): Σ h̄ = ${num(bar.h)}, how fast the ` +
        `loss moves if this neuron's output rises on every sample; Σ z̄ = ${num(bar.z)}, the same before ` +
        'its activation, which is its bias’s gradient b̄.';
}
