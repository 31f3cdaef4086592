import { Value } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import { buildGraph, evaluateProgram } from '../src/graph.js';
import { fdRows, signed, toDot } from '../src/graph-view.js';
import { parse } from '../src/parser.js';
import { PRESETS } from '../src/presets.js';

describe('the graph view model', () => {
  test('b = a + a; c = b + b: two steps, each input edge carries its share, and ā accumulates to 4', () => {
    const model = buildGraph('b = a + a; c = b + b', { a: 1 });
    expect(model.nodes.map((n) => [n.op, n.name, n.inputs])).toEqual([
      ['input', 'a', []],
      ['+', 'b', [0, 0]],
      ['+', 'c', [1, 1]],
    ]);
    expect(model.steps.map((s) => [s.node, s.amounts, s.bars])).toEqual([
      [2, [1, 1], [0, 2, 1]], // c sends 1 to b twice: b̄ = 2
      [1, [2, 2], [4, 2, 1]], // b sends 2 to a twice: ā = 4
    ]);
    expect(model.nodes.map((n) => n.bar)).toEqual([4, 2, 1]);
  });

  test.each(PRESETS.map((p) => [p.id, p] as const))(
    '%s: node count, and every bar (stepped and final) is the library’s own',
    (_id, preset) => {
      const model = buildGraph(preset.source, preset.values);
      // inputs + constants + operations: micrograd 5 + 0 + 5 (two ·, two +, tanh); neuron 4 + 2 + 6;
      // two-layer 12 + 1 + 16; umons 16 + 0 + 24 (12 for the zᵢ, 3 σ, 6 for z, softplus, ·, −); b, c of a
      const expected = { micrograd: 10, neuron: 12, 'two-layer': 29, umons: 40, accumulate: 3 }[preset.id];
      expect(model.nodes.length).toBe(expected);
      // the library's adjoints of the inputs, computed independently of the view model
      const program = parse(preset.source);
      const leaves = program.leaves.map((name) => new Value(preset.values[name]!, name));
      evaluateProgram(program, leaves).backward();
      expect(model.inputs.map(({ id }) => model.nodes[id]!.bar)).toEqual(leaves.map((l) => l.grad));
      // stepping through the pass ends at the same bars, bit for bit
      expect(model.steps.at(-1)!.bars).toEqual(model.nodes.map((n) => n.bar));
    },
  );

  test("micrograd's neuron: the README's numbers (o = 0.7071, x̄1 = −1.5, w̄1 = 1, x̄2 = 0.5, w̄2 = 0, b̄ = 0.5)", () => {
    const preset = PRESETS.find((p) => p.id === 'micrograd')!;
    const model = buildGraph(preset.source, preset.values);
    expect(model.nodes[model.output]!.value).toBeCloseTo(Math.SQRT1_2, 12);
    const bar = (name: string) => model.nodes[model.inputs.find((i) => i.name === name)!.id]!.bar;
    for (const [name, value] of [
      ['x1', -1.5],
      ['w1', 1],
      ['x2', 0.5],
      ['w2', 0],
      ['b', 0.5],
    ] as const)
      expect(bar(name)).toBeCloseTo(value, 12);
  });

  test('the DOT shows values and bars as of the step, and labels the edges the active node sends along', () => {
    const model = buildGraph('b = a + a; c = b + b', { a: 1 });
    const start = toDot(model, 0);
    expect(start).toContain('bar 1</font>'); // the output
    expect(start).not.toContain('label="+');
    const first = toDot(model, 1);
    expect(first.match(/label="\+1"/g)).toHaveLength(2); // c → b, twice
    expect(first).toContain('n2 [id="node-2", fillcolor="#fde68a"');
    expect(toDot(model, 2)).toContain('<b>a</b><br/>1<br/><font color="#b91c1c">bar 4</font>');
  });

  test('the check: bars beside central differences, within gradcheck’s tolerance', () => {
    const preset = PRESETS.find((p) => p.id === 'umons')!;
    const { rows, ok } = fdRows(parse(preset.source), preset.values);
    expect(ok).toBe(true);
    expect(rows).toHaveLength(16);
    for (const row of rows) expect(row.difference).toBeLessThan(1e-8);
    // a kink: relu at 0 has bar 1 (the notes' convention) but central difference 0.5
    const kink = fdRows(parse('relu(x)'), { x: 0 });
    expect(kink.rows[0]).toMatchObject({ bar: 1, numeric: 0.5 });
    expect(kink.ok).toBe(false);
  });
});

describe('inputs named after Object.prototype', () => {
  // issue 33: `values[name]` read constructor, __proto__ and hasOwnProperty off Object.prototype
  test('constructor, __proto__ and hasOwnProperty are inputs like any other', () => {
    const graph = buildGraph('y = constructor * __proto__ + hasOwnProperty', { constructor: 3 });
    expect(graph.inputs.map((i) => i.name)).toEqual(['constructor', '__proto__', 'hasOwnProperty']);
    expect(graph.nodes[graph.output]!.value).toBe(3 * 1 + 1);
    expect(graph.inputs.map((i) => graph.nodes[i.id]!.bar)).toEqual([1, 3, 1]);
  });
});

describe('NaN and infinities', () => {
  // issue 33 (and the playground issue): 1 / 0 and log(−1) are amounts like any other, not an exception
  test('1 / z at z = 0 gives ∞ and its bars, and log(−1) gives NaN, where they arise', () => {
    const graph = buildGraph('z = x - 1; y = 1 / z', { x: 1 });
    expect(graph.nodes[graph.output]!.value).toBe(Number.POSITIVE_INFINITY);
    const x = graph.inputs[0]!.id;
    expect(graph.nodes[x]!.bar).toBe(Number.NEGATIVE_INFINITY); // d(1/z)/dz = −1/z² at 0, times dz/dx = 1
    expect(graph.steps.at(-1)!.bars[x]).toBe(Number.NEGATIVE_INFINITY);
    const mixed = buildGraph('y = log(x) + 1 / z', { x: -1, z: 0 });
    expect(mixed.nodes[mixed.output]!.value).toBeNaN();
    expect(mixed.steps.length).toBeGreaterThan(0);
  });
});

describe('where a NaN or an infinity first arises', () => {
  test('the first node computed that is not finite from finite inputs; null when every value is finite', () => {
    const graph = buildGraph('y = log(x) + 1 / z', { x: -1, z: 0 });
    const at = graph.firstNonFinite!;
    expect(graph.nodes[at]!.op).toBe('log');
    expect(graph.nodes[at]!.value).toBeNaN();
    // the division's ∞ comes later, and the sum only passes NaN on
    const division = graph.nodes.findIndex((n) => n.op === '/');
    expect(graph.nodes[division]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(division).toBeGreaterThan(at);
    expect(buildGraph('y = log(x) + 1 / z', { x: 2, z: 0 }).firstNonFinite).toBe(division);
    expect(buildGraph('y = log(x) + 1 / z', { x: 2, z: 1 }).firstNonFinite).toBeNull();
    // a constant too large for a double is refused by the parser, with its place
    expect(() => buildGraph('y = x * 1e400')).toThrow(
      'line 1, column 9: 1e400 is beyond the largest number a double holds (about 1.8e308)',
    );
  });
});

describe('edge labels', () => {
  // issue 33: a negative amount printed as +-0.03277
  test('an amount is printed with its own sign', () => {
    expect([signed(0.5), signed(-0.03277), signed(-0), signed(2)]).toEqual(['+0.5', '−0.03277', '−0', '+2']);
    const graph = buildGraph('y = x * c', { x: 2, c: -0.5 });
    const dot = toDot(graph, graph.steps.length);
    expect(dot).toContain('label="−0.5"');
    expect(dot).not.toContain('+-');
  });
});
