// A run of elementwise steps of a compiled program as one WGSL kernel (compile's fusion on the GPU):
// each invocation reads its inputs once, computes every step into an f32 local (the rounding each step's
// own kernel gives its output array), and writes only the values read after the run.
import { sizeOf } from '../ndarray.js';
import type { ElementwiseGroup } from '../run.js';
import { invocations, perInvocation, readInputs } from './shader.js';
import { translate } from './wgsl.js';

export function fusedKernel(group: ElementwiseGroup): {
  readonly code: string;
  readonly groups: readonly [number, number, number];
} {
  const { shape } = group;
  const length = sizeOf(shape);
  const lines = readInputs(group.inputs, shape);
  group.steps.forEach((step, j) => {
    const expression = step.wgsl ?? translate(step.source!);
    const value = expression.replace(/\$(\d+)/g, (_, k: string) => {
      const operand = step.operands[Number(k)]!;
      return 'input' in operand ? `v${operand.input}` : `t${operand.step}`;
    });
    lines.push(`let t${j} = f32(${value});`);
  });
  const named = (m: number) => (group.outputs.length === 1 ? 'out' : `out${m}`);
  for (const [m, j] of group.outputs.entries()) lines.push(`${named(m)}[i] = t${j};`);
  return {
    code: perInvocation(group.inputs.length, group.outputs.length, length, lines.join('\n  ')),
    groups: invocations(length),
  };
}
