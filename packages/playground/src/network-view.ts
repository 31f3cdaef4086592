/**
 * Inside the network, as TensorFlow Playground draws it: each neuron as a small map of what it responds
 * to over the input plane, each weight as an edge whose colour is its sign and whose width its size.
 * Hovering a neuron (or focusing it) shows its weights in and its bias.
 */
import { FEATURES, featurize, gridCells, type Trainer } from './training.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Cells per side of a neuron's map, and its drawn size in pixels. */
const CELLS = 24;
const BOX = 44;
const GAP_Y = 14;
/** Positive amounts in blue, negative in orange (TensorFlow Playground's colours), white at 0. */
const POSITIVE = [8, 81, 156];
const NEGATIVE = [230, 85, 13];

/** A map as an image: each cell's value against `centre`, scaled by the map's largest distance from it. */
function mapImage(values: Float64Array, centre: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = CELLS;
  canvas.height = CELLS;
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
  return canvas.toDataURL();
}

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) e.setAttribute(key, String(value));
  return e;
}

/** Draws the trainer's network into `box`: the two inputs, each hidden layer, the output. */
export function drawNetwork(box: HTMLElement, trainer: Trainer): void {
  const maps = trainer.neuronMaps(CELLS);
  const weights = trainer.weights();
  const biases = trainer.model
    .parameters()
    .filter((_, i) => i % 2 === 1)
    .map((b) => Array.from(b.data));
  // the inputs' own maps: each feature over the plane
  const cells = featurize(gridCells(CELLS), trainer.config.features);
  const inputs = trainer.config.features.map((_, k) => Float64Array.from(cells, (row) => row[k]!));
  const layers = [inputs, ...maps];
  // the layers spread over the box's width (a phone's too), 30–110 px apart; wider networks scroll
  const room = (box.clientWidth || 600) - 8 - layers.length * BOX;
  const GAP_X = Math.max(30, Math.min(110, Math.floor(room / Math.max(1, layers.length - 1))));
  const tallest = Math.max(...layers.map((l) => l.length));
  const height = tallest * (BOX + GAP_Y) - GAP_Y + 20;
  const width = (layers.length - 1) * (BOX + GAP_X) + BOX + 8;
  const at = (layer: number, unit: number) => {
    const count = layers[layer]!.length;
    const top = (height - 20 - (count * (BOX + GAP_Y) - GAP_Y)) / 2;
    return { x: 4 + layer * (BOX + GAP_X), y: 16 + top + unit * (BOX + GAP_Y) };
  };
  const svg = element('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  svg.setAttribute('aria-label', 'the network: each neuron’s map, each weight an edge');
  // edges first, under the maps
  const largest = Math.max(1e-12, ...weights.flat(2).map(Math.abs));
  weights.forEach((w, l) => {
    w.forEach((row, unit) => {
      row.forEach((weight, input) => {
        const from = at(l, input);
        const to = at(l + 1, unit);
        const line = element('line', {
          x1: from.x + BOX,
          y1: from.y + BOX / 2,
          x2: to.x,
          y2: to.y + BOX / 2,
          stroke: `rgb(${(weight >= 0 ? POSITIVE : NEGATIVE).join(',')})`,
          'stroke-width': (0.5 + (3.5 * Math.abs(weight)) / largest).toFixed(2),
          'stroke-opacity': 0.7,
        });
        line.classList.add('weight');
        svg.append(line);
      });
    });
  });
  const names = trainer.config.features.map((f) => FEATURES[f].label);
  layers.forEach((layer, l) => {
    const output = l === layers.length - 1;
    const caption = element('text', { x: at(l, 0).x + BOX / 2, y: 10, 'text-anchor': 'middle' });
    caption.textContent = l === 0 ? 'inputs' : output ? 'output' : `layer ${l}`;
    svg.append(caption);
    layer.forEach((map, unit) => {
      const { x, y } = at(l, unit);
      const group = element('g', { tabindex: 0 });
      group.classList.add('neuron');
      // a sigmoid's maps centre on 0.5, the rest on 0
      const centre = output || (l > 0 && trainer.config.activation === 'sigmoid') ? 0.5 : 0;
      group.append(element('image', { x, y, width: BOX, height: BOX, href: mapImage(map, centre) }));
      group.append(element('rect', { x, y, width: BOX, height: BOX, fill: 'none', stroke: '#374151' }));
      const title = element('title', {});
      title.textContent =
        l === 0
          ? `input ${names[unit]}`
          : `${output ? 'output' : `layer ${l}, neuron ${unit + 1}`}: weights in ${weights[l - 1]![unit]!.map((w) => w.toFixed(3)).join(', ')}; bias ${biases[l - 1]![unit]!.toFixed(3)}`;
      group.append(title);
      svg.append(group);
    });
  });
  box.replaceChildren(svg);
}
