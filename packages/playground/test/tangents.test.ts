import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { buildGraph } from '../src/graph.js';
import { parse } from '../src/parser.js';
import { PRESETS } from '../src/presets.js';
import { engineTangent, pairing, tangentsOf } from '../src/tangents.js';

// Tangents beside bars (the playground issue, item 2): the tangents pushed forward through the graph give
// the output's directional derivative, equal to adjoint's jvp and to ⟨x̄, ẋ⟩ from the bars.
describe('forward mode on the graph', () => {
  it.prop([
    fc.constantFrom(...PRESETS),
    fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }),
  ])('ẏ pushed forward = adjoint’s jvp = ⟨x̄, ẋ⟩, for every preset and direction', (preset, numbers) => {
    const model = buildGraph(preset.source, preset.values);
    const direction = Object.fromEntries(model.inputs.map(({ name }, i) => [name, numbers[i % 8]!]));
    const forward = tangentsOf(model, direction)[model.output]!;
    const engine = engineTangent(parse(preset.source), preset.values, direction);
    const bars = pairing(model, direction);
    const scale = Math.max(1, Math.abs(engine));
    expect(Math.abs(forward - engine) / scale).toBeLessThan(1e-12);
    expect(Math.abs(bars - engine) / scale).toBeLessThan(1e-12);
  });

  it.prop([fc.constantFrom(...PRESETS)])(
    'a direction along one input gives that input’s bar: one column of the Jacobian',
    (preset) => {
      const model = buildGraph(preset.source, preset.values);
      for (const { name, id } of model.inputs) {
        const tangent = tangentsOf(model, { [name]: 1 })[model.output]!;
        expect(tangent).toBeCloseTo(model.nodes[id]!.bar, 12);
      }
    },
  );
});
