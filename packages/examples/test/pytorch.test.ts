import { readFileSync } from 'node:fs';
import { tensor } from '@adjoint/autograd';
import { toSafetensors } from '@adjoint/nn';
import { expect, test } from 'vitest';
import { NamesMlp } from '../src/names-mlp';
import golden from './goldens/names_mlp.json';

// The names MLP's state moves between adjoint and PyTorch by name. goldens/names_mlp.py (PyTorch 1.13,
// never run here) wrote the same module tree's state_dict as safetensors, after three training batches,
// and its logits in evaluation mode.

const fromTorch = new Uint8Array(readFileSync(new URL('./goldens/names_mlp.safetensors', import.meta.url)));

/** The header of safetensors bytes: each tensor's dtype and shape, by name (where its bytes are aside). */
function header(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const { __metadata__: _, ...entries } = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return Object.fromEntries(
    Object.entries(entries as Record<string, { dtype: string; shape: number[] }>).map(([name, e]) => [
      name,
      { dtype: e.dtype, shape: e.shape },
    ]),
  );
}

test("PyTorch's state_dict of the same module tree loads by name and gives PyTorch's logits", () => {
  const mlp = new NamesMlp({ batchNorm: true, seed: 5 });
  mlp.loadState(fromTorch);
  mlp.eval();
  const logits = mlp.forward(tensor(golden.ids)).toArray() as number[][];
  logits.flat().forEach((v, i) => {
    const want = golden.logits.flat()[i]!;
    expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(want)));
  });
  // PyTorch's count of training batches came along, read from its int64
  expect(mlp.norm!.num_batches_tracked.item()).toBe(3);
});

test("adjoint's file names, shapes and types every tensor as PyTorch's state_dict does, and loads back", () => {
  const mlp = new NamesMlp({ batchNorm: true, seed: 5 });
  mlp.loadState(fromTorch);
  const ours = toSafetensors(mlp);
  const torchDtype = { F64: 'torch.float64', I64: 'torch.int64' } as Record<string, string>;
  const entries = Object.entries(header(ours)).map(([name, e]) => [name, e.shape, torchDtype[e.dtype]]);
  expect(entries.sort()).toEqual([...golden.keys].sort());
  expect(header(ours)).toEqual(header(fromTorch));
  const copy = new NamesMlp({ batchNorm: true, seed: 6 });
  copy.loadState(ours);
  mlp.eval();
  copy.eval();
  expect(copy.forward(tensor(golden.ids)).toArray()).toEqual(mlp.forward(tensor(golden.ids)).toArray());
  expect(copy.norm!.num_batches_tracked.item()).toBe(3);
});

test('a count beyond the integers a double holds is refused, naming it, and nothing is loaded', () => {
  const bytes = fromTorch.slice();
  const view = new DataView(bytes.buffer);
  const length = Number(view.getBigUint64(0, true));
  const entry = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)))[
    'norm.num_batches_tracked'
  ];
  view.setBigInt64(8 + length + entry.data_offsets[0], 2n ** 60n, true);
  const mlp = new NamesMlp({ batchNorm: true, seed: 5 });
  const before = mlp.toJSON();
  expect(() => mlp.loadState(bytes)).toThrow(
    'loadState: "norm.num_batches_tracked"[0] is 1152921504606846976, an integer beyond those a double holds exactly',
  );
  expect(mlp.toJSON()).toEqual(before);
});
