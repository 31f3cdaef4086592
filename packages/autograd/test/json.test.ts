import { compile, type Tensor, TraceError, tensor, Value } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';

describe('JSON', () => {
  test('a Tensor writes its flat elements, shape and dtype, its gradient and label where set, and no graph', () => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true, dtype: 'float32', label: 'w' },
    );
    const y = w.mul(w).sum();
    expect(JSON.parse(JSON.stringify(y))).toEqual({ data: [30], shape: [], dtype: 'float32' });
    y.backward();
    expect(JSON.parse(JSON.stringify(w))).toEqual({
      data: [1, 2, 3, 4],
      shape: [2, 2],
      dtype: 'float32',
      grad: [2, 4, 6, 8],
      label: 'w',
    });
    // what it writes reads back
    const json = w.toJSON();
    expect(tensor(json.data, { shape: json.shape, dtype: json.dtype }).toArray()).toEqual(w.toArray());
  });

  test('a Value writes its data, its bar where it has one and its label; never its inputs', () => {
    const x = new Value(3, 'x');
    const y = x.mul(x);
    expect(JSON.stringify(y)).toBe('{"data":9}');
    y.backward();
    expect(JSON.parse(JSON.stringify({ x, y }))).toEqual({
      x: { data: 3, grad: 6, label: 'x' },
      y: { data: 9, grad: 1 },
    });
  });

  test('a graph 20,000 ops deep writes without recursion, on both engines', () => {
    let v = new Value(1);
    let t: Tensor = tensor([1], { requiresGrad: true });
    for (let i = 0; i < 20_000; i++) {
      v = v.mul(1.0001).add(0.0001);
      t = t.mul(1.0001).add(0.0001);
    }
    expect(JSON.parse(JSON.stringify(v)).data).toBe(v.data);
    expect(JSON.parse(JSON.stringify(t)).data).toEqual([t.item()]);
  });

  test('inside compile, writing a traced tensor is a TraceError naming toJSON()', () => {
    const f = compile((x: Tensor) => JSON.stringify(x.exp()));
    expect(() => f(tensor([1]))).toThrow(TraceError);
    expect(() => f(tensor([1]))).toThrow(
      'compile: toJSON() reads the values of a tensor (shape [1], the result of exp)',
    );
  });
});
