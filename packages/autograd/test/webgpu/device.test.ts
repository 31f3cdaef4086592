import { compile, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { type WebGpu, webgpu } from '@adjoint/autograd/webgpu';
import { beforeAll, describe, expect, test } from 'vitest';

// The device itself: moving tensors, the Errors of every misuse, the pool of buffers, and a training
// loop that gives the CPU's losses.
let gpu: WebGpu;
beforeAll(async () => {
  gpu = await webgpu();
});

const f32 = (values: number[]) => tensor(values, { dtype: 'float32' });

describe('tensors on webgpu', () => {
  test('webgpu() sets up one device, and tensors move there and back with their values', async () => {
    expect(await webgpu()).toBe(gpu);
    expect(gpu.name).toBe('webgpu');
    expect(gpu.adapter).toMatch(/\S/);
    const x = tensor(
      [
        [0.1, -2],
        [3e-8, 4],
      ],
      { device: 'webgpu', requiresGrad: true, label: 'x' },
    );
    expect([x.device, x.dtype, x.requiresGrad, x.label]).toEqual(['webgpu', 'float32', true, 'x']);
    expect(x.to('webgpu')).toBe(x);
    const back = await x.to('cpu');
    expect([back.device, back.dtype, back.requiresGrad, back.label]).toEqual(['cpu', 'float32', true, 'x']);
    expect(Array.from(back.data)).toEqual(Array.from(Float32Array.of(0.1, -2, 3e-8, 4)));
    // a computed tensor moves as a new leaf that needs no gradient: gradients do not cross devices
    const y = x.mul(2);
    const moved = await y.to('cpu');
    expect([moved.requiresGrad, moved.op]).toEqual([false, '']);
    expect(String(y)).toBe('Tensor(<on webgpu>, shape=[2, 2], dtype=float32)');
  });

  test('every misuse is an Error naming the tensor, the device and the way out', async () => {
    const x = tensor([1, 2], { device: 'webgpu' });
    for (const read of [() => x.data, () => x.toArray(), () => x.toJSON(), () => x.sum().item()])
      expect(read).toThrow(/is on webgpu, whose values are read asynchronously: use await x\.dataAsync\(\)/);
    expect(() => tensor([1, 2], { device: 'webgpu', dtype: 'float64' })).toThrow(
      'tensor: a tensor on webgpu holds float32, got float64 values; float64 stays on the CPU',
    );
    expect(() => tensor([1.5]).to('webgpu')).toThrow(
      'to: a tensor on webgpu holds float32, got float64 values',
    );
    expect(() => x.add(f32([1, 2]))).toThrow(
      'add: the inputs are on two devices, webgpu (input 0, shape [2]) and cpu (input 1, shape [2])',
    );
    expect(() => x.astype('float64')).toThrow('astype: a tensor on webgpu holds float32 only');
    // inside compile as eagerly: a tensor the function closes over on the GPU, an argument on the CPU
    expect(() => compile((a: Tensor) => a.mul(x))(f32([1, 2]))).toThrow(
      'mul: the inputs are on two devices, cpu (input 0, shape [2]) and webgpu (input 1, shape [2])',
    );
    // a number, or any rank-0 tensor of the CPU, meets a tensor of the GPU, as in PyTorch
    expect(
      await x
        .add(1)
        .mul(f32([3]).reshape([]))
        .toArrayAsync(),
    ).toEqual([6, 9]);
    expect(gpu.stats().errors).toEqual([]);
  });

  test('buffers go back to the pool when their tensors are collected', async () => {
    const collect = async () => {
      for (let round = 0; round < 5; round++) {
        (globalThis as unknown as { gc: () => void }).gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await collect();
    const before = gpu.stats().liveBuffers;
    const w = tensor(
      [
        [0.5, -1],
        [2, 0.25],
      ],
      { device: 'webgpu', requiresGrad: true },
    );
    steps(w);
    expect(gpu.stats().liveBuffers).toBeGreaterThan(before + 20); // the loop's arrays, not collected yet
    await gpu.finish();
    await collect();
    expect(gpu.stats().liveBuffers).toBe(before + 1); // w's own
    expect(gpu.stats().pooledBuffers).toBeGreaterThan(0);
    // a compiled call uploads its number operand (a CPU scalar) each time, and draws nothing from the
    // pool: the pool keeps 64 buffers of a size at most, the rest destroyed
    const pooled = gpu.stats().pooledBuffers;
    const scaled = compile((x: Tensor, s: Tensor) => x.mul(s).tanh());
    for (let call = 0; call < 150; call++) scaled(w, tensor(call / 150, { dtype: 'float32' }));
    await gpu.finish();
    await collect();
    await gpu.finish();
    // 150 uploads of 16 bytes collected (the live count says so): the pool grew by 64 at most (uncapped, 150)
    expect(gpu.stats().pooledBuffers - pooled).toBeLessThanOrEqual(64);
    expect(gpu.stats().liveBuffers).toBeLessThanOrEqual(before + 1 + 4); // w's, and the program's own
    expect(gpu.stats().errors).toEqual([]);
  });

  test('an MLP trained on webgpu takes the steps the CPU takes', async () => {
    // two interleaved spirals of 64 points each, a 2-16-16-1 tanh network, full-batch gradient descent
    const rng = new Rng(7);
    const points: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 128; i++) {
      const t = (i >> 1) / 16;
      const sign = i % 2 === 0 ? 1 : -1;
      points.push([
        sign * t * Math.cos(2 * t) + 0.05 * rng.normal(),
        sign * t * Math.sin(2 * t) + 0.05 * rng.normal(),
      ]);
      labels.push(i % 2);
    }
    const init = (shape: number[]) =>
      Float32Array.from({ length: shape[0]! * shape[1]! }, () => rng.normal() / Math.sqrt(shape[0]!));
    const shapes = [
      [2, 16],
      [16, 16],
      [16, 1],
    ];
    const weights = shapes.map((s) => ({ values: init(s), shape: s }));
    const run = async (device: string) => {
      let params = weights.map(({ values, shape }) => tensor(values, { shape, device, requiresGrad: true }));
      const x = tensor(points, { dtype: 'float32', device });
      const y = tensor(labels, { dtype: 'float32', device }).reshape([-1, 1]);
      const losses: number[] = [];
      for (let step = 0; step < 30; step++) {
        const [w1, w2, w3] = params as [Tensor, Tensor, Tensor];
        const logits = x.matmul(w1).tanh().matmul(w2).tanh().matmul(w3);
        const loss = logits.softplus().sub(logits.mul(y)).mean(); // binary cross-entropy with logits
        loss.backward();
        losses.push((await loss.dataAsync())[0]!);
        params = params.map((p) => {
          const next = p.sub(p.grad!.mul(1)).detach();
          next.requiresGrad = true;
          return next;
        });
      }
      return losses;
    };
    const [cpu, dev] = [await run('cpu'), await run('webgpu')];
    for (const [i, loss] of dev.entries())
      expect(Math.abs(loss - cpu[i]!)).toBeLessThan(1e-4 * (1 + cpu[i]!));
    expect(cpu.at(-1)!).toBeLessThan(0.8 * cpu[0]!);
    expect(gpu.stats().errors).toEqual([]);
  });
});

/**
 * 20 steps of a small graph's forward and backward, whose arrays nothing holds afterwards: a function of
 * its own, since an async function's frame keeps its loop's last values alive while it runs.
 */
function steps(w: Tensor): void {
  for (let step = 0; step < 20; step++) {
    const loss = w.matmul(w).tanh().sum();
    loss.backward();
    w.grad = null;
  }
}
