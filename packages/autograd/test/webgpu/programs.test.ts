import { Rng, tensor } from '@adjoint/autograd';
import { compileExpression, expressionGraph, shape } from '@adjoint/autograd/arbitraries';
import { assertClose } from '@adjoint/autograd/testing';
import { webgpu } from '@adjoint/autograd/webgpu';
import { fc } from '@fast-check/vitest';
import { beforeAll, expect, test } from 'vitest';

// Random programs of the testing kit's arbitraries (chains, shared sub-expressions and diamonds of every
// elementwise op, on leaves of a random shape), forward and backward on WebGPU against the CPU's
// float32 engine: the output and every leaf's gradient. A handful, drawn from a fixed seed (SwiftShader).
let gpu: Awaited<ReturnType<typeof webgpu>>;
beforeAll(async () => {
  gpu = await webgpu();
});

test('random expression programs give the CPU’s values and gradients on webgpu', async () => {
  const graphs = fc.sample(expressionGraph({ maxSteps: 10, shape: shape({ maxRank: 3, maxSize: 4 }) }), {
    numRuns: 24,
    seed: 20261206,
  });
  for (const graph of graphs) {
    const run = compileExpression(graph);
    const leaves = (device: string) =>
      graph.inputs.map((values) =>
        tensor(Float32Array.from(values), { shape: [...graph.shape], requiresGrad: true, device }),
      );
    const [cpu, dev] = [leaves('cpu'), leaves('webgpu')];
    const [yc, yg] = [run(cpu), run(dev)];
    const rng = new Rng(yc.size);
    const seed = Float32Array.from({ length: yc.size }, () => rng.normal());
    yc.backward(tensor(seed, { shape: [...yc.shape] }));
    yg.backward(tensor(seed, { shape: [...yc.shape], device: 'webgpu' }));
    const where = `in ${run.program.join('; ')}`;
    const tolerance = { rtol: 2e-4, atol: 2e-5 };
    try {
      assertClose(await yg.dataAsync(), yc.data, tolerance);
      for (const [i, leaf] of cpu.entries())
        assertClose(await dev[i]!.grad!.dataAsync(), leaf.grad!.data, tolerance);
    } catch (error) {
      throw new Error(`${(error as Error).message} ${where}`);
    }
  }
  expect(gpu.stats().errors).toEqual([]);
});
