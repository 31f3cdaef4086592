import { describe, expect, test } from 'vitest';
import { askedEdges, checkAnswer, readProgress, recordRight, termsAt } from '../src/exercise.js';
import { buildGraph } from '../src/graph.js';
import { PRESETS } from '../src/presets.js';

// Derive it yourself (the playground issue, item 1): the checker of the amounts a learner types.
const neuron = PRESETS.find((p) => p.id === 'micrograd')!;

describe('the exercise checker', () => {
  const model = buildGraph(neuron.source, neuron.values);
  // the first backward step is o = tanh(n): it sends ȳ·(1 − o²) to n
  const first = 0;

  test('a right expression in the node’s own terms is accepted, as is the right number', () => {
    const expected = model.steps[first]!.amounts[0]!;
    expect(expected).toBeCloseTo(0.5, 4);
    expect(termsAt(model, first).get('y')).toBeCloseTo(Math.SQRT1_2, 4);
    for (const answer of [
      'ybar * (1 - y^2)',
      'ȳ·(1 − o^2)',
      '1 - tanh(n)^2',
      String(expected),
      '(1 - y*y) * ybar',
    ])
      expect(checkAnswer(model, first, 0, answer)).toMatchObject({ right: true });
  });

  test('a wrong one is refused, with its value and the right amount beside it', () => {
    const verdict = checkAnswer(model, first, 0, 'ybar * y');
    expect(verdict.right).toBe(false);
    expect(verdict.value).toBeCloseTo(Math.SQRT1_2, 4);
    expect(verdict.expected).toBeCloseTo(0.5, 4);
    expect(checkAnswer(model, first, 0, '0.51')).toMatchObject({ right: false, value: 0.51 });
  });

  test('what cannot be read says why, naming the names that may be used', () => {
    expect(checkAnswer(model, first, 0, 'q * 2').problem).toBe(
      "'q' is not a name here; you may use y, ybar, a, n, o (ȳ is ybar)",
    );
    expect(checkAnswer(model, first, 0, 'ybar *').problem).toMatch(/^expected a number, a name/);
    expect(checkAnswer(model, first, 0, 'z = 1').problem).toBe('write one expression, without "name ="');
    expect(checkAnswer(model, first, 0, ' ').problem).toBe('write a number or an expression');
    expect(checkAnswer(model, first, 0, 'log(0 - y)').problem).toBe(
      'the expression is not a finite number here',
    );
  });

  test.each(PRESETS.map((p) => [p.id, p] as const))(
    'every step of preset %s is answerable: each edge asked about takes its amount as a number, and no other',
    (_id, preset) => {
      const graph = buildGraph(preset.source, preset.values);
      let asked = 0;
      graph.steps.forEach((step, index) => {
        for (const edge of askedEdges(graph, index)) {
          const amount = step.amounts[edge]!;
          expect(checkAnswer(graph, index, edge, String(amount)).right).toBe(true);
          expect(checkAnswer(graph, index, edge, String(amount + 1)).right).toBe(false);
          asked++;
        }
        // the edges not asked about lead to constants (or carry a NaN from one, as x^2's exponent does)
        step.amounts.forEach((_amount, edge) => {
          if (!askedEdges(graph, index).includes(edge))
            expect(graph.nodes[graph.nodes[step.node]!.inputs[edge]!]!.op).toBe('const');
        });
      });
      expect(asked).toBeGreaterThan(0);
    },
  );

  test('progress counts each step once and survives storage; malformed storage is no progress', () => {
    let progress = recordRight({}, 'micrograd', 2);
    progress = recordRight(progress, 'micrograd', 0);
    progress = recordRight(progress, 'micrograd', 2);
    expect(progress).toEqual({ micrograd: [0, 2] });
    expect(readProgress(JSON.stringify(progress))).toEqual(progress);
    expect(readProgress('not json')).toEqual({});
    expect(readProgress('{"micrograd": [1, -2]}')).toEqual({});
    expect(readProgress(null)).toEqual({});
  });
});
