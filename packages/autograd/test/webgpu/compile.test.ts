import { compile, grad, hvp, jvp, type Tensor, tensor, valueAndGrad, vmap } from '@adjoint/autograd';
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
  // tanh → mul → softplus, forward and back, are kernels of their own
  expect(step.programs.every((p) => p.fusedLoops >= 2)).toBe(true);
  expect(gpu.stats().errors).toEqual([]);
});

test('fused on webgpu: an elementwise chain is one kernel, with the eager bits, and its buffers are shared', async () => {
  // a chain of every kind of operand: broadcast rows and columns, a rank-0 CPU argument (uploaded at
  // each call), where and a comparison, leakyRelu's slope, sources translated and rules' own WGSL
  const chain = (x: Tensor, bias: Tensor, column: Tensor, lr: Tensor) => {
    const h = x.add(bias).mul(column).tanh().leakyRelu(0.1).sigmoid();
    const gate = h.gt(0.5);
    return h.where(gate, h.mul(lr).softplus()).sub(x.exp().mul(0.25)).erf();
  };
  const run = compile(chain);
  const x = tensor(
    [
      [0.5, -1, 2, 0.25],
      [1, 1.5, -0.25, -3],
      [0, 2.5, -0.5, 0.75],
    ],
    { device: 'webgpu' },
  );
  const bias = tensor([0.1, -0.2, 0.3, 0.05], { device: 'webgpu' });
  const column = tensor([[2], [-1], [0.5]], { device: 'webgpu' });
  for (const lr of [0.5, -2]) {
    const rate = tensor(lr, { dtype: 'float32' });
    const compiled = run(x, bias, column, rate) as Tensor;
    const eager = chain(x, bias, column, rate);
    expect(Array.from(await compiled.dataAsync())).toEqual(Array.from(await eager.dataAsync()));
  }
  const [program] = run.programs;
  expect(program!.fusedLoops).toBe(1); // eleven ops, one kernel
  expect(program!.steps).toBe(1);
  // a chain whose values are read between its ops keeps them; the rest share buffers by lifetime
  const mlp = compile((w: Tensor, xs: Tensor) =>
    valueAndGrad((v: Tensor) => xs.matmul(v).tanh().matmul(v.T).sigmoid().mul(xs).sum())(w),
  );
  const w = tensor(
    [
      [0.5, -1, 0.25, 1],
      [2, 0.125, -0.5, 0.5],
      [1, 1, -1, 0.25],
      [-0.5, 0.75, 0.125, -2],
    ],
    { device: 'webgpu' },
  );
  const [value, g] = mlp(w, x) as [Tensor, Tensor];
  const [eagerValue, eagerGrad] = valueAndGrad((v: Tensor) =>
    x.matmul(v).tanh().matmul(v.T).sigmoid().mul(x).sum(),
  )(w) as [Tensor, Tensor];
  expect(Array.from(await value.dataAsync())).toEqual(Array.from(await eagerValue.dataAsync()));
  expect(Array.from(await g.dataAsync())).toEqual(Array.from(await eagerGrad.dataAsync()));
  const [p] = mlp.programs;
  expect(p!.fusedLoops).toBeGreaterThanOrEqual(2);
  // twenty steps, each value dead once the next step has read it: three buffers serve them all
  const deep = compile((v: Tensor, xs: Tensor) => {
    let h = xs;
    for (let i = 0; i < 10; i++) h = h.matmul(v).tanh();
    return h;
  });
  const out = deep(w, x) as Tensor;
  let eagerOut = x;
  for (let i = 0; i < 10; i++) eagerOut = eagerOut.matmul(w).tanh();
  expect(Array.from(await (deep(w, x) as Tensor).dataAsync())).toEqual(
    Array.from(await eagerOut.dataAsync()),
  );
  expect(out.device).toBe('webgpu');
  const [d] = deep.programs;
  expect(d!.steps).toBe(20);
  expect(d!.buffers).toBeLessThanOrEqual(3);
  expect(gpu.stats().errors).toEqual([]);
});

test('inside compile, to(webgpu) is a step: each call moves its own values, in the call’s one submission', async () => {
  const moved = compile((x: Tensor, w: Tensor) => x.mul(2).to('webgpu').matmul(w).tanh().sum());
  const w = tensor([[0.5], [-1], [2]], { device: 'webgpu' });
  const rows = [
    [
      [1, 2, 3],
      [-1, 0.5, 0.25],
    ],
    [
      [4, -2, 1],
      [0, 1, -3],
    ],
  ];
  for (const values of rows) {
    const x = tensor(values, { dtype: 'float32' });
    const before = gpu.stats().submissions;
    const y = moved(x, w) as Tensor;
    if (values !== rows[0]) expect(gpu.stats().submissions - before).toBe(1);
    expect(y.device).toBe('webgpu');
    const eager = x.mul(2).to('webgpu').matmul(w).tanh().sum();
    expect(Array.from(await y.dataAsync())).toEqual(Array.from(await eager.dataAsync()));
  }
  expect(moved.traces).toBe(1);
  // float64 stays on the CPU, traced or not
  expect(() => moved(tensor([[1, 2, 3]]), w)).toThrow(/float64 stays on the CPU/);
  // reading back is asynchronous: not a step a program can take
  const back = compile((x: Tensor) => x.mul(2).to('cpu') as unknown as Tensor);
  expect(() => back(w)).toThrow(/to\('cpu'\).*a compiled program cannot wait/);
  expect(gpu.stats().errors).toEqual([]);
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
