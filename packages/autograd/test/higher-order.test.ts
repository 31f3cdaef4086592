import { grad, Value } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { describe } from 'vitest';
import { expectClose } from './close';

// Second and third derivatives of x³, tanh, sigmoid, exp and log against their closed forms, two ways:
// backward({ createGraph: true }) on the adjoint, and JAX-style grad(grad(grad(f))).
const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const sig = (x: number) => 1 / (1 + Math.exp(-x));

const cases = {
  cube: {
    f: (x: Value) => x.pow(3),
    d: [(x: number) => 3 * x * x, (x: number) => 6 * x, () => 6],
    x: real(-3, 3),
  },
  tanh: {
    f: (x: Value) => x.tanh(),
    d: [
      (x: number) => 1 - Math.tanh(x) ** 2,
      (x: number) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2),
      (x: number) => (6 * Math.tanh(x) ** 2 - 2) * (1 - Math.tanh(x) ** 2),
    ],
    x: real(-3, 3),
  },
  sigmoid: {
    f: (x: Value) => x.sigmoid(),
    d: [
      (x: number) => sig(x) * (1 - sig(x)),
      (x: number) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
      (x: number) => sig(x) * (1 - sig(x)) * (1 - 6 * sig(x) + 6 * sig(x) ** 2),
    ],
    x: real(-6, 6),
  },
  exp: { f: (x: Value) => x.exp(), d: [Math.exp, Math.exp, Math.exp], x: real(-3, 3) },
  log: {
    f: (x: Value) => x.log(),
    d: [(x: number) => 1 / x, (x: number) => -1 / x ** 2, (x: number) => 2 / x ** 3],
    x: real(0.2, 5),
  },
};

describe.each(Object.entries(cases))('%s', (_name, { f, d, x }) => {
  it.prop([x])("f', f'' and f''' by backward({ createGraph: true }) match the closed forms", (x0) => {
    const v = new Value(x0);
    let y = f(v);
    for (const derivative of d) {
      y.backward({ createGraph: true });
      const next = v.adjoint!;
      v.zeroGrad();
      expectClose(next.data, derivative(x0), 1e-12, 1e-14);
      y = next;
    }
  });

  it.prop([x])('grad(f), grad(grad(f)) and grad(grad(grad(f))) match the closed forms', (x0) => {
    const df = grad(f);
    const d2f = grad(df);
    const d3f = grad(d2f);
    expectClose(df(x0).data, d[0]!(x0), 1e-12, 1e-14);
    expectClose(d2f(x0).data, d[1]!(x0), 1e-12, 1e-14);
    expectClose(d3f(x0).data, d[2]!(x0), 1e-12, 1e-14);
  });
});
