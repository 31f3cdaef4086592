import { detectAnomaly, isAnomalyEnabled, tensor, Value, where } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';

describe('detectAnomaly', () => {
  test('the first forward op that makes a NaN throws, naming the op, the pass and where the node was made', () => {
    const x = new Value(-1, 'x');
    const run = () => detectAnomaly(() => x.mul(2).log());
    expect(run).toThrow(
      /^detectAnomaly: in the forward pass, its output of log \(node unlabeled\) holds NaN or Infinity/,
    );
    expect(run).toThrow(/created at:\n.*anomaly\.test\.ts/);
  });

  test('the first gradient that turns infinite in backward throws, naming the op and the node label', () => {
    const x = new Value(0, 'x');
    expect(() =>
      detectAnomaly(() => {
        const root = x.sqrt();
        root.label = 'root';
        root.mul(3).backward();
      }),
    ).toThrow(
      /^detectAnomaly: in the backward pass, the gradient for input 0 of sqrt \(node "root"\) holds NaN or Infinity/,
    );
  });

  test('works on tensors, and is off by default: the same code then runs to a silent Infinity', () => {
    const t = tensor([1, 0], { requiresGrad: true });
    expect(() => detectAnomaly(() => t.log().sum())).toThrow('in the forward pass, its output of log');
    expect(isAnomalyEnabled()).toBe(false);
    const y = t.sqrt().sum();
    y.backward();
    expect(t.grad!.data[1]).toBe(Number.POSITIVE_INFINITY);
  });

  test('returns what fn returns when nothing is wrong', () => {
    expect(detectAnomaly(() => new Value(2).mul(3).data)).toBe(6);
  });
});

describe('where', () => {
  test('sends the gradient to the branch taken only', () => {
    const a = new Value(2);
    const b = new Value(5);
    where(new Value(1), a.mul(a), b.mul(b)).backward();
    expect([a.grad, b.grad]).toEqual([4, 0]);
    const x = tensor([1, -1], { requiresGrad: true });
    where(x.gt(0), x.mul(3), x.mul(-7)).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, -7]);
  });

  test('the trap: where(x > 0, sqrt(x), 0) gives a NaN gradient at x < 0, and the double where fixes it', () => {
    const x = tensor([-1, 4], { requiresGrad: true });
    where(x.gt(0), x.sqrt(), 0).sum().backward();
    expect(Number.isNaN(x.grad!.data[0])).toBe(true); // sqrt's vjp ran at x = -1: 0 / NaN
    expect(x.grad!.data[1]).toBe(0.25);
    x.zeroGrad();
    const safe = where(x.gt(0), x, 1); // keep the untaken branch's input inside sqrt's domain
    where(x.gt(0), safe.sqrt(), 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0.25]);
  });

  test('anomaly mode points at the trap: the sqrt of a negative number in the untaken branch', () => {
    const x = tensor([-1, 4], { requiresGrad: true });
    expect(() => detectAnomaly(() => where(x.gt(0), x.sqrt(), 0))).toThrow(
      'in the forward pass, its output of sqrt',
    );
  });
});
