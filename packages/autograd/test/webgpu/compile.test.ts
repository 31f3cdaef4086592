import {
  compile,
  grad,
  hvp,
  jvp,
  type Tensor,
  TraceError,
  tensor,
  valueAndGrad,
  vmap,
} from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import { webgpu } from '@adjoint/autograd/webgpu';
import { beforeAll, expect, test } from 'vitest';

// compile() of a function of tensors on webgpu: traced once, replayed as the same kernels writing into
// the buffers of the trace (no array allocated for the steps), sent to the GPU as one submission.
let gpu: Awaited<ReturnType<typeof webgpu>>;
beforeAll(async () => {
  gpu = await webgpu();
});

const loss = (w: Tensor, x: Tensor) => x.matmul(w).tanh().mul(x.sum(1, true)).softplus().mean();

test('a compiled value-and-gradient on webgpu gives the eager one’s bits, call after call', async () => {
  const w = tensor(
    [
      [0.5, -1, 0.25],
      [2, 0.125, -0.5],
    ],
    { device: 'webgpu' },
  );
  const step = compile((wt: Tensor, x: Tensor) => valueAndGrad(loss)(wt, x));
  for (const rows of [
    [[1, 2]],
    [
      [0.5, -3],
      [2, 1],
    ],
    [[-1, 0.25]],
  ]) {
    const x = tensor(rows, { device: 'webgpu' });
    const [value, grad] = step(w, x) as [Tensor, Tensor];
    const [eagerValue, eagerGrad] = valueAndGrad(loss)(w, x) as [Tensor, Tensor];
    expect([value.device, grad.device]).toEqual(['webgpu', 'webgpu']);
    expect(Array.from(await value.dataAsync())).toEqual(Array.from(await eagerValue.dataAsync()));
    expect(Array.from(await grad.dataAsync())).toEqual(Array.from(await eagerGrad.dataAsync()));
  }
  expect(step.traces).toBe(2); // [1, 2] twice, and [2, 2]
  // a call of more kernels than an eager encoder holds (64) is still one command buffer
  const x = tensor(
    [
      [0.5, -3],
      [2, 1],
    ],
    { device: 'webgpu' },
  );
  const many = compile((wt: Tensor, xs: Tensor) => {
    let h = xs.matmul(wt);
    for (let i = 0; i < 40; i++) h = h.tanh().mul(1.01);
    return valueAndGrad((v: Tensor) => xs.matmul(v).mul(h).sum())(wt);
  });
  many(w, x); // traced
  const before = gpu.stats().submissions;
  many(w, x);
  expect(gpu.stats().submissions - before).toBe(1);
  expect(step.programs.every((p) => p.fusedLoops === 0 && p.steps > 10)).toBe(true);
  expect(gpu.stats().errors).toEqual([]);
});

test('inside compile, a value that depends on the arguments cannot be moved to the GPU', () => {
  const moved = compile((x: Tensor) => x.mul(2).to('webgpu').sum());
  expect(() => moved(tensor([1, 2], { dtype: 'float32' }))).toThrow(TraceError);
});

test('grad, jvp, vmap and hvp of a function of webgpu tensors give the CPU’s values, on webgpu', async () => {
  const f = (x: Tensor) => x.mul(x).sin().sum();
  const xc = tensor([0.5, -1, 2], { dtype: 'float32' });
  const xg = xc.to('webgpu');
  const tc = tensor([1, 0.5, -2], { dtype: 'float32' });
  const tg = tc.to('webgpu');
  const batch = tensor(
    [
      [0.5, -1, 2],
      [1, 1.5, -0.25],
    ],
    { dtype: 'float32' },
  );
  const pairs: [Tensor, Tensor][] = [
    [grad(f)(xg) as Tensor, grad(f)(xc) as Tensor],
    [jvp(f, [xg], [tg])[1] as Tensor, jvp(f, [xc], [tc])[1] as Tensor],
    [vmap(grad(f))(batch.to('webgpu')) as Tensor, vmap(grad(f))(batch) as Tensor],
    [hvp(f, [xg], [tg]) as Tensor, hvp(f, [xc], [tc]) as Tensor],
  ];
  for (const [onGpu, onCpu] of pairs) {
    expect(onGpu.device).toBe('webgpu');
    assertClose(await onGpu.dataAsync(), onCpu.data, { rtol: 1e-5, atol: 1e-6 });
  }
});
