import { toDot, Value } from '@adjoint/autograd';

/** What the worked expression reports: its value, the gradients of its two inputs, and its graph. */
export interface ExpressionResult {
  readonly g: number;
  readonly aGrad: number;
  readonly bGrad: number;
  readonly nodes: number;
  readonly dot: string;
}

/**
 * The expression of micrograd's README, built and differentiated with `Value`. Its published
 * results are g = 24.7041, ∂g/∂a = 138.8338, ∂g/∂b = 645.5773.
 */
export function workedExpression(): ExpressionResult {
  const a = new Value(-4, 'a');
  const b = new Value(2, 'b');
  let c = a.add(b);
  let d = a.mul(b).add(b.pow(3));
  c = c.add(c.add(1));
  c = c.add(c.add(1).sub(a));
  d = d.add(d.mul(2).add(b.add(a).relu()));
  d = d.add(d.mul(3).add(b.sub(a).relu()));
  const e = c.sub(d);
  const f = e.pow(2);
  let g = f.div(2);
  g = g.add(new Value(10).div(f));
  g.label = 'g';
  g.backward();
  const dot = toDot(g);
  return {
    g: g.data,
    aGrad: a.grad,
    bGrad: b.grad,
    nodes: dot.split('\n').filter((l) => l.includes('[label="{')).length,
    dot,
  };
}
