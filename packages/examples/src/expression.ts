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

/**
 * One neuron, o = tanh(x₁w₁ + x₂w₂ + b), with the values of Karpathy's micrograd lecture (o = 0.7071):
 * small enough that its graph reads at a glance. Returns o, the inputs' gradients and the DOT text.
 */
export function neuronExpression(): {
  readonly o: number;
  readonly grads: Record<string, number>;
  readonly dot: string;
} {
  const [x1, x2] = [new Value(2, 'x1'), new Value(0, 'x2')];
  const [w1, w2] = [new Value(-3, 'w1'), new Value(1, 'w2')];
  const b = new Value(6.881373587019543, 'b');
  const x1w1 = x1.mul(w1);
  x1w1.label = 'x1·w1';
  const x2w2 = x2.mul(w2);
  x2w2.label = 'x2·w2';
  const n = x1w1.add(x2w2).add(b);
  n.label = 'n';
  const o = n.tanh();
  o.label = 'o';
  o.backward();
  return {
    o: o.data,
    grads: { x1: x1.grad, w1: w1.grad, x2: x2.grad, w2: w2.grad, b: b.grad },
    dot: toDot(o, { rankdir: 'TB' }), // top to bottom: narrow enough to read at a page's width
  };
}
