import { inspect } from 'node:util';
import { arange, tensor, Value } from '@adjoint/autograd';
import { mlp, scalarMlp } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// Objects print as PyTorch's repr does, in console.log (util.inspect) and String alike.
describe('objects that print', () => {
  test("a Value shows its data, grad, op and label: Value(data=3, grad=2, label='x')", () => {
    const x = new Value(3, 'x');
    const y = x.mul(2);
    y.backward();
    expect(inspect(x)).toBe("Value(data=3, grad=2, label='x')");
    expect(inspect(y)).toBe('Value(data=6, grad=1, op=mul)'); // the output's bar is the seed
    expect(String(new Value(1 / 3))).toBe('Value(data=0.333333, grad=0)');
  });

  test('a Tensor shows its elements, one row a line, its dtype, and requiresGrad or the op that made it', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    expect(inspect(x)).toBe('Tensor([[1, 2],\n        [3, 4]], dtype=float64, requiresGrad=true)');
    expect(String(x.matmul(tensor([[1], [0.5]])))).toBe(
      'Tensor([[2],\n        [5]], dtype=float64, op=matmul)',
    );
    expect(String(tensor(2.5, { label: 'lr' }))).toBe("Tensor(2.5, dtype=float64, label='lr')");
    expect(String(tensor([1e20, -3e-7], { dtype: 'float64' }))).toBe('Tensor([1e+20, -3e-7], dtype=float64)');
  });

  test('a tensor past 1,000 elements is summarized: three at each end of every long axis, and its shape', () => {
    const printed = String(arange(2000).reshape([2, 10, 100]));
    expect(printed.split('\n')[0]).toBe('Tensor([[[0, 1, 2, ..., 97, 98, 99],');
    expect(printed).toContain('         ...,\n');
    expect(
      printed.endsWith('[1900, 1901, 1902, ..., 1997, 1998, 1999]]], dtype=float64, shape=[2, 10, 100])'),
    ).toBe(true);
    expect(printed.split('\n')).toHaveLength(15); // 2 × (3 rows, ..., 3 rows) and a blank line between the matrices
  });

  test('models print their layers and how many numbers they train', () => {
    const spec = {
      inputs: 2,
      layers: [
        { units: 8, activation: 'tanh' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
    };
    expect(inspect(mlp(spec))).toBe(
      'Sequential(\n  (0): Linear(in=2, out=8)\n  (1): Activation(tanh)\n  (2): Linear(in=8, out=1)\n  (3): Activation(sigmoid)\n), 33 parameters, float64',
    );
    expect(inspect(scalarMlp(spec))).toBe('ScalarMLP(2 → 8 tanh → 1 sigmoid), 33 parameters');
    expect(
      String(
        mlp({ inputs: 300, layers: [{ units: 10, activation: 'relu' }] }, { dtype: 'float32' }),
      ).endsWith('), 3,010 parameters, float32'),
    ).toBe(true);
  });
});
