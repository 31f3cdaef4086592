import { fit, mse, SGD, scalarMlp } from '@adjoint/nn';
import type { ExampleOutput, RunOptions } from './example';
import { lossCurve } from './plot';

const INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const GATES = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], NAND: [1, 1, 1, 0] } as const;

/** One gate: the neuron's outputs on the truth table, and whether they round right. */
export interface GateResult {
  readonly gate: keyof typeof GATES;
  readonly outputs: number[];
  readonly correct: boolean;
  readonly loss: number[];
}

/** What neuronGates returns: one result per gate. */
export interface NeuronGatesResult extends ExampleOutput {
  readonly gates: readonly GateResult[];
}

/**
 * Notes 000 and 001 §1.3: one sigmoid neuron, y = σ(w₁i₁ + w₂i₂ + b), trained with the cost
 * C = (1/n) Σ (aᵢ − zᵢ)² of eq. 23 to compute AND, OR and NAND. A single neuron draws one line,
 * which is all these gates need (XOR needs a hidden layer: see the `xor` example).
 */
export function neuronGates(options: RunOptions = {}): NeuronGatesResult {
  const epochs = options.epochs ?? (options.quick ? 1000 : 2000);
  const names = Object.keys(GATES) as (keyof typeof GATES)[];
  const gates = names.map((gate, g) => {
    const neuron = scalarMlp({
      inputs: 2,
      layers: [{ units: 1, activation: 'sigmoid' }],
      seed: (options.seed ?? 0) + g,
      init: 'uniform',
    });
    const history = fit(
      neuron,
      { x: INPUTS, y: [...GATES[gate]] },
      {
        loss: mse,
        optimizer: new SGD(neuron.parameters(), { lr: 4 }),
        epochs,
        onEpoch: (e) => options.onProgress?.(g * epochs + e + 1, names.length * epochs),
      },
    );
    const outputs = INPUTS.map((x) => neuron.forward(x)[0]!.data);
    return {
      gate,
      outputs,
      correct: outputs.every((o, i) => Math.round(o) === GATES[gate][i]),
      loss: history.loss,
    };
  });
  const report = gates.flatMap(({ gate, outputs }) => [
    `${gate}:  i₁ i₂ | target | neuron`,
    ...INPUTS.map(([a, b], i) => `       ${a}  ${b} |   ${GATES[gate][i]}    | ${outputs[i]!.toFixed(4)}`),
  ]);
  return {
    gates,
    headline: `${gates
      .filter((g) => g.correct)
      .map((g) => g.gate)
      .join(', ')} learned (${gates.filter((g) => g.correct).length}/3)`,
    report,
    figures: async () => [
      {
        name: 'neuron-gates-loss',
        svg: await lossCurve(
          'One sigmoid neuron: cost per epoch',
          Object.fromEntries(gates.map((g) => [g.gate, g.loss])),
        ),
      },
    ],
  };
}
