import { oneHot, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import { webgpu } from '@adjoint/autograd/webgpu';
import { fc } from '@fast-check/vitest';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Window } from '../../src/kernels/window';
import { windowRules } from '../../src/rules/window';
import { poolCase, specs } from '../op-cases';

// Every op of the op table, forward and backward on WebGPU against the CPU's float32 engine on the same
// inputs: the values, and every input's gradient for a random output seed. A few cases per op (SwiftShader
// runs WGSL on the CPU, slowly), drawn from a fixed seed like every property of the suite.
const CASES = 4;
const TOLERANCE = { rtol: 2e-4, atol: 2e-5 };

let gpu: Awaited<ReturnType<typeof webgpu>>;
beforeAll(async () => {
  gpu = await webgpu();
});

/** A float32 leaf with x's values that requires grad, on the CPU. */
function leaf(x: Tensor): Tensor {
  return tensor(Float32Array.from(x.data), { shape: [...x.shape], requiresGrad: true });
}

/** Runs `f` on both devices from the same float32 inputs and compares values and gradients. */
async function compare(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  g: (...xs: Tensor[]) => Tensor = f,
) {
  const cpu = inputs.map(leaf);
  const dev = cpu.map((x) => {
    const t = x.detach().to('webgpu');
    t.requiresGrad = true;
    return t;
  });
  const yc = f(...cpu);
  const yg = g(...dev);
  expect(yg.device).toBe('webgpu');
  expect(yg.shape).toEqual(yc.shape);
  assertClose(await yg.dataAsync(), yc.data, TOLERANCE);
  if (!yc.requiresGrad) return;
  const rng = new Rng(yc.size);
  const seed = tensor(
    Float32Array.from({ length: yc.size }, () => rng.normal()),
    { shape: [...yc.shape] },
  );
  yc.backward(seed);
  yg.backward(seed.to('webgpu'));
  for (const [i, x] of cpu.entries()) {
    const got = dev[i]!.grad;
    if (x.grad === null) {
      expect(got).toBeNull();
      continue;
    }
    expect(got?.device).toBe('webgpu');
    assertClose(await got!.dataAsync(), x.grad.data, TOLERANCE);
  }
}

describe('every op, forward and backward, on webgpu against the CPU', () => {
  const names = Object.keys(specs) as (keyof typeof specs)[];
  test.each(names.filter((n) => !['oneHot', 'maxScatter', 'maxGather'].includes(n)))('%s', async (name) => {
    const cases = fc.sample(specs[name], { numRuns: CASES, seed: 20261206 });
    for (const c of cases) await compare(c.f, c.inputs);
    expect(gpu.stats().errors).toEqual([]);
  });

  // these close over tensors of the CPU (the labels, the image and its pooled maxima): the GPU's run
  // moves them over, as a user would
  // these close over the image and its pooled maxima (the routes): the GPU's run has them on the GPU
  test.each(['maxScatter', 'maxGather'] as const)('%s', async (name) => {
    const rule = windowRules[name];
    const cases = fc.sample(
      poolCase(false, (x, w) => ({
        f: () => x,
        inputs: [x, x.applyRule('maxPool', windowRules.maxPool, w)],
        w,
      })),
      { numRuns: CASES, seed: 20261206 },
    );
    for (const c of cases) {
      const [x, pooled] = c.inputs.map((t) => leaf(t).detach()) as [Tensor, Tensor];
      const [xg, pg] = [x.to('webgpu'), pooled.to('webgpu')];
      const w = (c as unknown as { w: Window }).w;
      const first = name === 'maxScatter' ? pooled.add(0.5) : x.add(0.25);
      await compare(
        (t) => t.applyRule(name, rule, w, [x, pooled]),
        [first],
        (t) => t.applyRule(name, rule, w, [xg, pg]),
      );
    }
    expect(gpu.stats().errors).toEqual([]);
  });

  test('oneHot rows made on the CPU, moved to the GPU and used there', async () => {
    const labels = tensor([2, 0, 1]);
    const rows = oneHot(labels, 3).astype('float32');
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    await compare(
      (t) => t.mul(rows).sum(),
      [x],
      (t) => t.mul(rows.to('webgpu')).sum(),
    );
    expect(() => oneHot(labels.astype('float32').to('webgpu'), 3)).toThrow(
      /oneHot: the labels \(shape \[3\]\) are on webgpu/,
    );
  });
});

test('sin and cos to about an ulp of float32 over [−100, 100] (WGSL’s own promise only 2⁻¹¹)', async () => {
  const xs = Float32Array.from({ length: 4001 }, (_, i) => -100 + i * 0.05);
  const x = tensor(xs, { device: 'webgpu' });
  for (const [name, f] of [
    ['sin', Math.sin],
    ['cos', Math.cos],
  ] as const) {
    const got = await x[name]().dataAsync();
    let worst = 0;
    for (const [i, v] of xs.entries()) worst = Math.max(worst, Math.abs(got[i]! - f(v)));
    expect(worst, name).toBeLessThan(2 ** -22); // float32's ulp at 1 is 2⁻²³
  }
});

test('pow as JavaScript’s Math.pow where WGSL’s is undefined: negative bases, zero exponents, NaN', async () => {
  const a = [-2, -2, -0.5, -3, 0, 0, 4, -2];
  const b = [2, 3, -1, 0.5, 0, -1, 0.5, 0];
  const got = await tensor(a, { device: 'webgpu' })
    .pow(tensor(b, { device: 'webgpu' }))
    .dataAsync();
  expect(Array.from(got)).toEqual(a.map((x, i) => Math.fround(x ** b[i]!)));
});
