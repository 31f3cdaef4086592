import { Tensor, Value } from '@adjoint/autograd';
import { numericGrad } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import type { BinaryName, UnaryName } from '../src/rules/elementwise';
import { expectClose } from './close';
import erfGolden from './goldens/erf.json';

/** The spacing of doubles at |v| (the smallest subnormal at 0). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -1022) return 2 ** -1074;
  return 2 ** (Math.floor(Math.log2(a)) - 52);
}

// One row per Value op: its closed-form derivative(s), checked against backprop exactly (up to the
// rounding of the formula) and against central differences, over the op's domain.
type OpName = UnaryName | BinaryName | 'sub' | 'leakyRelu';

interface UnarySpec {
  readonly f: (x: Value) => Value;
  readonly df: (x: number) => number;
  readonly x: fc.Arbitrary<number>;
}
interface BinarySpec {
  readonly f: (a: Value, b: Value) => Value;
  readonly da: (a: number, b: number) => number;
  readonly db: (a: number, b: number) => number;
  readonly ab: fc.Arbitrary<[number, number]>;
}

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
/** Values at least `gap` away from `point`: finite differences are meaningless across a kink or pole. */
const awayFrom = (point: number, gap: number, min: number, max: number) =>
  real(min, max).filter((x) => Math.abs(x - point) > gap);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

const unary: Record<UnaryName | 'leakyRelu', UnarySpec> = {
  neg: { f: (x) => x.neg(), df: () => -1, x: real(-5, 5) },
  exp: { f: (x) => x.exp(), df: Math.exp, x: real(-5, 5) },
  log: { f: (x) => x.log(), df: (x) => 1 / x, x: real(0.05, 10) },
  tanh: { f: (x) => x.tanh(), df: (x) => 1 - Math.tanh(x) ** 2, x: real(-5, 5) },
  sigmoid: { f: (x) => x.sigmoid(), df: (x) => sig(x) * (1 - sig(x)), x: real(-10, 10) },
  relu: { f: (x) => x.relu(), df: (x) => (x >= 0 ? 1 : 0), x: awayFrom(0, 1e-3, -5, 5) },
  leakyRelu: { f: (x) => x.leakyRelu(0.2), df: (x) => (x >= 0 ? 1 : 0.2), x: awayFrom(0, 1e-3, -5, 5) },
  sin: { f: (x) => x.sin(), df: Math.cos, x: real(-5, 5) },
  cos: { f: (x) => x.cos(), df: (x) => -Math.sin(x), x: real(-5, 5) },
  sqrt: { f: (x) => x.sqrt(), df: (x) => 1 / (2 * Math.sqrt(x)), x: real(0.05, 10) },
  abs: { f: (x) => x.abs(), df: Math.sign, x: awayFrom(0, 1e-3, -5, 5) },
  softplus: { f: (x) => x.softplus(), df: sig, x: real(-10, 10) },
  erf: { f: (x) => x.erf(), df: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), x: real(-4, 4) },
};

const binary: Record<BinaryName | 'sub', BinarySpec> = {
  add: { f: (a, b) => a.add(b), da: () => 1, db: () => 1, ab: fc.tuple(real(-5, 5), real(-5, 5)) },
  sub: { f: (a, b) => a.sub(b), da: () => 1, db: () => -1, ab: fc.tuple(real(-5, 5), real(-5, 5)) },
  mul: { f: (a, b) => a.mul(b), da: (_a, b) => b, db: (a) => a, ab: fc.tuple(real(-5, 5), real(-5, 5)) },
  div: {
    f: (a, b) => a.div(b),
    da: (_a, b) => 1 / b,
    db: (a, b) => -a / (b * b),
    ab: fc.tuple(real(-5, 5), awayFrom(0, 0.1, -5, 5)),
  },
  pow: {
    f: (a, b) => a.pow(b),
    da: (a, b) => b * a ** (b - 1),
    db: (a, b) => a ** b * Math.log(a),
    ab: fc.tuple(real(0.1, 5), real(-3, 3)),
  },
  maximum: {
    f: (a, b) => a.maximum(b),
    da: (a, b) => (a > b ? 1 : 0),
    db: (a, b) => (a > b ? 0 : 1),
    ab: fc.tuple(real(-5, 5), real(-5, 5)).filter(([a, b]) => Math.abs(a - b) > 1e-3),
  },
  minimum: {
    f: (a, b) => a.minimum(b),
    da: (a, b) => (a < b ? 1 : 0),
    db: (a, b) => (a < b ? 0 : 1),
    ab: fc.tuple(real(-5, 5), real(-5, 5)).filter(([a, b]) => Math.abs(a - b) > 1e-3),
  },
};

const specs = { ...unary, ...binary } satisfies Record<OpName, UnarySpec | BinarySpec>;
expect(Object.keys(specs)).toHaveLength(20);

describe.each(Object.entries(unary))('%s', (_name, spec) => {
  it.prop([spec.x])('backprop equals the closed-form derivative and central differences', (x0) => {
    const x = new Value(x0);
    spec.f(x).backward();
    expectClose(x.grad, spec.df(x0), 1e-14, 1e-300);
    const [numeric] = numericGrad((v) => spec.f(v), [new Value(x0)]);
    expectClose(x.grad, numeric, 1e-6, 1e-8);
  });
});

describe.each(Object.entries(binary))('%s', (_name, spec) => {
  it.prop([spec.ab])('backprop equals the closed-form partials and central differences', ([a0, b0]) => {
    const a = new Value(a0);
    const b = new Value(b0);
    spec.f(a, b).backward();
    expectClose(a.grad, spec.da(a0, b0), 1e-14, 1e-300);
    expectClose(b.grad, spec.db(a0, b0), 1e-14, 1e-300);
    const [na, nb] = numericGrad((x, y) => spec.f(x, y), [new Value(a0), new Value(b0)]);
    expectClose(a.grad, na, 1e-6, 1e-8);
    expectClose(b.grad, nb, 1e-6, 1e-8);
  });
});

describe('ties and kinks', () => {
  test('maximum and minimum split the gradient evenly at a tie', () => {
    for (const op of ['maximum', 'minimum'] as const) {
      const a = new Value(1.5);
      const b = new Value(1.5);
      a[op](b).backward();
      expect([a.grad, b.grad]).toEqual([0.5, 0.5]);
    }
  });

  test('abs has derivative 0 at 0; relu and leakyRelu have derivative 1 there', () => {
    const grads = [(x: Value) => x.abs(), (x: Value) => x.relu(), (x: Value) => x.leakyRelu(0.3)].map((f) => {
      const x = new Value(0);
      f(x).backward();
      return x.grad;
    });
    expect(grads).toEqual([0, 1, 1]);
  });

  test('a numeric operand gets no gradient and the Value operand gets all of it', () => {
    const x = new Value(3);
    const y = x.mul(-2).add(5).div(4).pow(2);
    y.backward();
    expectClose(x.grad, 2 * ((-2 * 3 + 5) / 4) * (-2 / 4));
  });
});

describe('Value.sum', () => {
  it.prop([fc.array(real(-5, 5), { minLength: 1, maxLength: 20 })])(
    'is one node whose gradient is 1 for every term, and equals the left-to-right sum',
    (xs) => {
      const values = xs.map((x) => new Value(x));
      const total = Value.sum(values);
      total.backward();
      expect(total.parents).toHaveLength(xs.length);
      expect(total.data).toBe(xs.reduce((s, x) => s + x, 0));
      expect(values.map((v) => v.grad)).toEqual(xs.map(() => 1));
    },
  );

  test('a term used twice gets both contributions', () => {
    const a = new Value(2);
    Value.sum([a, a, 3]).backward();
    expect(a.grad).toBe(2);
  });
});

describe('stability', () => {
  test('sigmoid is finite with a finite gradient at ±800', () => {
    for (const x0 of [800, -800]) {
      const x = new Value(x0);
      const y = x.sigmoid();
      y.backward();
      expect(y.data).toBe(x0 > 0 ? 1 : 0);
      expect(x.grad).toBe(0);
    }
    const x = new Value(-40);
    const y = x.sigmoid();
    y.backward();
    expectClose(y.data, Math.exp(-40) / (1 + Math.exp(-40)), 1e-15);
    expectClose(x.grad, y.data * (1 - y.data), 1e-15);
  });

  test("erf is the C library's to 1 ulp on a grid across all its branches, odd, and ±1 far out", () => {
    let worst = 0;
    erfGolden.x.forEach((x, i) => {
      const [got, want] = [new Value(x).erf().data, erfGolden.erf[i]!];
      worst = Math.max(worst, Math.abs(got - want) / ulp(want));
      expect(new Value(-x).erf().data).toBe(-got);
    });
    expect(worst).toBeLessThanOrEqual(1);
    expect(new Value(0).erf().data).toBe(0);
    // a Value holds finite numbers only; a Tensor may hold the others
    const far = new Tensor(
      Float64Array.of(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
      [3],
    );
    expect(Array.from(far.erf().data)).toEqual([1, -1, Number.NaN]);
  });

  test('softplus is exact at large |x|, where log(1 + exp(x)) overflows or rounds to 0', () => {
    expect(new Value(800).softplus().data).toBe(800);
    const e = Math.exp(-30); // log(1 + e) = e - e²/2 + …
    expectClose(new Value(-30).softplus().data, e - (e * e) / 2, 1e-15);
  });
});
