/**
 * Tangents beside bars: forward mode on the same graph. A direction ẋ for the inputs is pushed forward,
 * node by node in the order the program computes them, each node's tangent the sum over its inputs of
 * ∂node/∂input × the input's tangent; the output's tangent ẏ is the directional derivative. The bars give
 * it too, as ⟨x̄, ẋ⟩ = Σᵢ x̄ᵢẋᵢ: the identity behind both modes. No DOM here.
 */
import { jvp, Value } from '@adjoint/autograd';
import { evaluateProgram, type GraphModel } from './graph.js';
import type { Program } from './parser.js';

/** Every node's tangent for the inputs' direction `direction` (an input not named moves by 0). */
export function tangentsOf(model: GraphModel, direction: Readonly<Record<string, number>>): number[] {
  const tangents: number[] = [];
  for (const node of model.nodes) {
    if (node.op === 'input') tangents.push(Object.hasOwn(direction, node.name!) ? direction[node.name!]! : 0);
    else if (node.op === 'const') tangents.push(0);
    // a constant carries no tangent, so its edge adds nothing (not NaN·0, as x^2's exponent edge would)
    else
      tangents.push(
        node.inputs.reduce(
          (sum, input, k) =>
            model.nodes[input]!.op === 'const' ? sum : sum + node.local[k]! * tangents[input]!,
          0,
        ),
      );
  }
  return tangents;
}

/** ⟨x̄, ẋ⟩: each input's bar times its tangent, summed. */
export function pairing(model: GraphModel, direction: Readonly<Record<string, number>>): number {
  return model.inputs.reduce(
    (sum, { name, id }) =>
      sum + model.nodes[id]!.bar * (Object.hasOwn(direction, name) ? direction[name]! : 0),
    0,
  );
}

/** ẏ as adjoint's own forward mode (`jvp`) computes it, for the program at `values` in `direction`. */
export function engineTangent(
  program: Program,
  values: Readonly<Record<string, number>>,
  direction: Readonly<Record<string, number>>,
): number {
  const at = (record: Readonly<Record<string, number>>, name: string, fallback: number) =>
    Object.hasOwn(record, name) ? record[name]! : fallback;
  const [, tangent] = jvp(
    (...leaves: Value[]) => evaluateProgram(program, leaves),
    program.leaves.map((name) => new Value(at(values, name, 1))),
    program.leaves.map((name) => at(direction, name, 0)),
  );
  return tangent.data;
}
