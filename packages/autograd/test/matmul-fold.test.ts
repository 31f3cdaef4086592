import { Rng, type Tensor, tensor } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { expect } from 'vitest';

// A batch of matrices against one shared matrix (a Linear on [B, T, in]) is one product over the batch's
// rows folded together, forward and backward: the same numbers as one product per example, the shared
// matrix's gradient the sum of the examples' (in another order, so to rounding).

const random = (rng: Rng, shape: number[]) =>
  tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal())).reshape(shape);

it.prop([
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 7 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 9 }),
  fc.boolean(),
  fc.integer(),
])(
  'a batch against a shared matrix: each example as its own product, bit for bit; the shared gradient their sum',
  (b, c, m, k, n, transposed, seed) => {
    const rng = new Rng(seed);
    const a = random(rng, [b, c, m, k]);
    const w = random(rng, transposed ? [n, k] : [k, n]);
    const r = random(rng, [b, c, m, n]);
    a.requiresGrad = true;
    w.requiresGrad = true;
    const y = transposed ? a.matmul(w.transpose()) : a.matmul(w);
    expect(y.shape).toEqual([b, c, m, n]);
    y.mul(r).sum().backward();
    const [ga, gw] = [Array.from(a.grad!.data), Array.from(w.grad!.data)];
    // one example at a time
    let sum: Tensor | null = null;
    for (let i = 0; i < b; i++)
      for (let j = 0; j < c; j++) {
        const ai = a
          .detach()
          .slice(0, i, i + 1)
          .slice(1, j, j + 1)
          .reshape([m, k]);
        ai.requiresGrad = true;
        const wi = w.detach();
        wi.requiresGrad = true;
        const yi = transposed ? ai.matmul(wi.transpose()) : ai.matmul(wi);
        const ri = r
          .slice(0, i, i + 1)
          .slice(1, j, j + 1)
          .reshape([m, n]);
        expect(Array.from(yi.data)).toEqual(Array.from(y.slice(0, i, i + 1).slice(1, j, j + 1).data));
        yi.mul(ri).sum().backward();
        const at = (i * c + j) * m * k;
        expect(Array.from(ai.grad!.data)).toEqual(ga.slice(at, at + m * k));
        sum = sum === null ? wi.grad! : sum.add(wi.grad!);
      }
    const expected = Array.from(sum!.data);
    const scale = Math.max(1, ...expected.map(Math.abs));
    gw.forEach((g, i) => {
      expect(Math.abs(g - expected[i]!)).toBeLessThanOrEqual(64 * Number.EPSILON * scale * b * c * m);
    });
  },
);
