import { compile, type Tensor, tensor } from '@adjoint/autograd';
import { webgpu } from '@adjoint/autograd/webgpu';
import { describe, expect, test } from 'vitest';

// Devices where there is no GPU (Node.js, and Chromium without WebGPU turned on): the CPU's tensors
// answer the device API, and asking for the GPU is an Error that says why. test/webgpu/ has the GPU's.
describe('devices without a GPU', () => {
  test('a tensor is on the CPU, and its async readers give what the sync ones do', async () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: 'cpu' },
    );
    expect(x.device).toBe('cpu');
    expect(await x.to('cpu')).toBe(x);
    expect(await x.toArrayAsync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(await x.dataAsync())).toEqual([1, 2, 3, 4]);
  });

  test('webgpu() rejects, naming what is missing', async () => {
    const { navigator } = globalThis as { navigator?: object };
    const hasApi = navigator !== undefined && 'gpu' in navigator;
    await expect(webgpu()).rejects.toThrow(
      hasApi
        ? /webgpu: the browser offers no WebGPU adapter/
        : /webgpu: this environment has no WebGPU \(navigator\.gpu is undefined\)/,
    );
    await expect(webgpu({ powerPreference: 'fast' as 'low-power' })).rejects.toThrow(
      hasApi
        ? /expected powerPreference 'low-power' or 'high-performance', got the string "fast"/
        : /no WebGPU/,
    );
    expect(() => webgpu({ power: 'low-power' } as object)).toThrow("webgpu: unknown option 'power'");
  });

  test('a device that is not set up, or not a device, is an Error naming it', () => {
    expect(() => tensor([1, 2], { device: 'webgpu' })).toThrow(
      "tensor: device 'webgpu' is not set up: call await webgpu() (from '@adjoint/autograd/webgpu') first",
    );
    expect(() => tensor([1, 2]).to('webgpu')).toThrow("to: device 'webgpu' is not set up");
    expect(() => tensor([1, 2], { device: 'cuda' })).toThrow(
      "tensor: expected device 'cpu' or 'webgpu', got the string \"cuda\"",
    );
    expect(() => tensor([1, 2]).to('gpu')).toThrow(
      "to: expected device 'cpu' or 'webgpu', got the string \"gpu\"",
    );
    // compile takes tensors of the CPU (its device check reads `.device`)
    expect(compile((a: Tensor) => a.mul(2))(tensor([1, 2])).toArray()).toEqual([2, 4]);
  });
});
