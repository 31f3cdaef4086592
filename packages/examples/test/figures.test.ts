import {
  dotToSvg,
  linearRegression,
  mnistExample,
  moonsExample,
  neuronExpression,
  umons,
  xor,
} from '@adjoint/examples';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { namesBigram } from '../src/names-bigram';

/** Parses SVG text, failing the test if it is not well-formed XML with an <svg> root. */
function parse(svg: string): Record<string, unknown> {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) expect.fail(`not well-formed: ${JSON.stringify(valid.err)}`);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg) as Record<string, unknown>;
  expect(doc).toHaveProperty('svg');
  return doc;
}

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

/** How many <path> elements the Vega mark groups whose class starts with `mark` hold (one per mark item). */
function marks(svg: string, mark: string): number {
  let total = 0;
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const element = node as Record<string, unknown>;
    const cls = element['@_class'];
    if (typeof cls === 'string' && cls.startsWith(`mark-${mark} role-mark`)) {
      const paths = element.path;
      total += Array.isArray(paths) ? paths.length : paths === undefined ? 0 : 1;
    }
    for (const value of Object.values(element)) visit(value);
  };
  visit(parse(svg));
  return total;
}

describe('the pictures', () => {
  test('a loss curve is an SVG with a line and log-scaled axes', async () => {
    const [loss] = await xor({ quick: true, epochs: 50 }).figures();
    expect(loss!.name).toBe('xor-loss');
    parse(loss!.svg);
    expect(marks(loss!.svg, 'line')).toBe(1);
    expect(loss!.svg).toContain('XOR: squared error per epoch');
  });

  test('a decision boundary shades a grid of cells and draws every point on top', async () => {
    const figures = await umons({ quick: true, epochs: 5 }).figures();
    const boundary = figures.find((f) => f.name === 'umons-boundary')!;
    parse(boundary.svg);
    expect(marks(boundary.svg, 'rect')).toBe(3600); // 60 × 60 shaded cells
    expect(marks(boundary.svg, 'symbol')).toBe(200); // every point
  });

  test('the moons curves of both engines, equal to 1e-14, are one line that says how close they are', async () => {
    const figures = await moonsExample({ quick: true, epochs: 3 }).figures();
    expect(figures.map((f) => f.name)).toEqual(['moons-loss', 'moons-boundary']);
    for (const f of figures) parse(f.svg);
    expect(marks(figures[0]!.svg, 'line')).toBe(1);
    expect(figures[0]!.svg).toMatch(/scalar = tensor \((bit for bit|to \d\.\de-1\d)\)/);
    expect(figures[0]!.svg).toContain('>step<'); // the title says per step, and so does the axis
  });

  test('the linear-regression curve shows its whole legend and powers of ten on the loss axis', async () => {
    const [loss] = await linearRegression({ epochs: 40 }).figures();
    // the series' full name, note 001's finite-difference quotient:
    expect(loss!.svg).toContain('finite differences (eq. 1)');
    expect(loss!.svg).not.toContain('…');
    const labels = [...loss!.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const ticks = labels.filter((t) => /^[0-9.e+&#;-]+$/.test(t) && t.includes('e'));
    expect(ticks.length).toBeGreaterThan(1);
    expect(labels).not.toContain('0.000001');
  });

  test('a loss that stays above 0.01 is labelled with plain numbers, not powers of ten', async () => {
    const figures = await namesBigram({ quick: true }).figures();
    const loss = figures.find((f) => f.name === 'names-bigram-loss')!;
    const labels = [...loss.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const ticks = labels.filter((t) => /^[0-9.]+$/.test(t) && Number(t) > 0 && Number(t) < 10);
    expect(ticks.length).toBeGreaterThan(2);
    expect(labels.filter((t) => /^[0-9.]+e[+-]/.test(t))).toEqual([]);
  });

  test('the MNIST curve has a validation series (held-out training digits) beside the training one, and ticks at whole epochs', async () => {
    const [loss] = await mnistExample({ quick: true }).figures();
    expect(marks(loss!.svg, 'line')).toBe(2);
    expect(loss!.svg).toContain('>validation<');
    expect(loss!.svg).toContain('>train<');
    expect(loss!.svg).not.toMatch(/>1\.5</);
  });

  test('the computation graph renders through Graphviz (WebAssembly) with a node per value and op', async () => {
    const svg = await dotToSvg(neuronExpression().dot);
    parse(svg);
    expect(count(svg, /class="node"/g)).toBe(15); // 10 values (x1 x2 w1 w2 b, x1·w1 x2·w2, their sum, n, o) and 5 ops
    expect(svg).toContain('tanh');
    expect(svg).toContain('x\u03051\u0305 = &#45;1.5'); // x̅1̅: the adjoint in the notes' bar notation
    expect(svg).not.toContain('grad ');
  });
});
