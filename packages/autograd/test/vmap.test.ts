import { compile, grad, hessian, jvp, noGrad, Rng, stack, Tensor, tensor, vmap } from '@adjoint/autograd';
import { assertClose } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { type Case, specs } from './op-cases';

// vmap over every row of op-cases.ts: each input batched or shared at random, along a random axis. The
// batched run must give, bit for bit, what a loop over the examples gives, and so must its per-example
// gradients (vmap of grad) and the compiled batched program.

interface Batched {
  readonly f: (...xs: Tensor[]) => Tensor;
  /** Per input, its batch axis, or null for an input shared by every example. */
  readonly inAxes: (number | null)[];
  /** The arguments: a batched input holds its examples along its axis. */
  readonly args: Tensor[];
  /** Each example's arguments. */
  readonly examples: Tensor[][];
}

/** A batch of `size` examples of a case: example b of a batched input is the case's input plus b / 4. */
function batchOf(c: Case, size: number, seed: number): Batched {
  const rng = new Rng(seed);
  const inAxes = c.inputs.map((x, i) =>
    i > 0 && rng.uniform() < 0.3 ? null : Math.floor(rng.uniform() * (x.ndim + 1)),
  );
  const examples = Array.from({ length: size }, (_, b) =>
    c.inputs.map((x, i) => (inAxes[i] === null ? x : noGrad(() => x.add(b / 4)))),
  );
  const args = c.inputs.map((x, i) => {
    const axis = inAxes[i];
    return axis === null || axis === undefined
      ? x
      : stack(
          examples.map((e) => e[i]!),
          axis,
        );
  });
  return { f: c.f, inAxes, args, examples };
}

/** The weighted sum that makes a case's output a scalar loss (weights from the seed). */
function lossOf(f: (...xs: Tensor[]) => Tensor, shape: readonly number[], seed: number) {
  const rng = new Rng(seed);
  const size = shape.reduce((n, d) => n * d, 1);
  const w = new Tensor(
    Float64Array.from({ length: size }, () => rng.normal()),
    shape,
  );
  return (...xs: Tensor[]) =>
    f(...xs)
      .mul(w)
      .sum();
}

const size = fc.integer({ min: 1, max: 3 });

describe.each(Object.entries(specs))('%s', (_name, cases) => {
  it.prop([cases, size, fc.integer()], { numRuns: 40 })(
    'vmap(f) gives what a loop over the examples gives, bit for bit',
    (c, n, seed) => {
      const { f, inAxes, args, examples } = batchOf(c, n, seed);
      const batched = noGrad(() => vmap(f, { inAxes })(...args));
      const looped = noGrad(() => stack(examples.map((e) => f(...e))));
      expect(batched.shape).toEqual(looped.shape);
      expect(Array.from(batched.data)).toEqual(Array.from(looped.data));
    },
  );

  it.prop([cases, size, fc.integer()], { numRuns: 20 })(
    'vmap(grad(f)) gives each example its own gradient, as a loop of grad does',
    (c, n, seed) => {
      const { f, inAxes, args, examples } = batchOf(c, n, seed);
      const loss = lossOf(f, noGrad(() => f(...examples[0]!)).shape, seed);
      const argnums = c.inputs.map((_, i) => i);
      const gradients = grad(loss, argnums) as (...xs: Tensor[]) => Tensor[];
      const perExample = vmap(gradients, { inAxes, outAxes: 0 })(...args);
      const looped = examples.map((e) => grad(loss, argnums)(...e) as Tensor[]);
      perExample.forEach((g, i) => {
        expect(Array.from(g.data)).toEqual(Array.from(stack(looped.map((gs) => gs[i]!)).data));
      });
    },
  );

  it.prop([cases, size, fc.integer()], { numRuns: 10 })(
    'compile(vmap(f)) gives what vmap(f) gives, on the call it traced and the next',
    (c, n, seed) => {
      const { f, inAxes, args } = batchOf(c, n, seed);
      const eager = (...xs: Tensor[]) => noGrad(() => vmap(f, { inAxes })(...xs));
      const compiled = compile(eager);
      const next = args.map((x, i) => (inAxes[i] === null ? x : noGrad(() => x.mul(0.5))));
      for (const xs of [args, next])
        expect(Array.from(compiled(...xs).data)).toEqual(Array.from(eager(...xs).data));
    },
  );
});

describe('vmap', () => {
  const rng = new Rng(7);
  const xs = tensor(Array.from({ length: 4 }, () => [rng.normal(), rng.normal(), rng.normal()]));
  const w = tensor([
    [0.5, -1, 2],
    [1.5, 0.25, -0.5],
  ]);
  const net = (x: Tensor) =>
    w
      .matmul(x.reshape([3, 1]))
      .tanh()
      .sum();

  test('grad(vmap(f)) and backward() through it reach the batched argument and what f closes over', () => {
    const wl = w.detach();
    wl.requiresGrad = true;
    const f = (x: Tensor) =>
      wl
        .matmul(x.reshape([3, 1]))
        .tanh()
        .sum();
    const weights = tensor([1, -2, 0.5, 3]);
    const viaVmap = grad(
      (W: Tensor, X: Tensor) =>
        vmap((x: Tensor) =>
          W.matmul(x.reshape([3, 1]))
            .tanh()
            .sum(),
        )(X)
          .mul(weights)
          .sum(),
      [0, 1],
    );
    const viaLoop = grad(
      (W: Tensor, X: Tensor) =>
        stack(
          Array.from({ length: 4 }, (_, b) =>
            W.matmul(X.slice(0, b, b + 1).reshape([3, 1]))
              .tanh()
              .sum(),
          ),
        )
          .mul(weights)
          .sum(),
      [0, 1],
    );
    const [gw, gx] = viaVmap(wl, xs) as Tensor[];
    const [lw, lx] = viaLoop(wl, xs) as Tensor[];
    // the batch's sum of per-example gradients is added in another order than the loop's: last bits only
    assertClose(gw!, lw!, { rtol: 1e-14, atol: 1e-15 });
    assertClose(gx!, lx!, { rtol: 1e-14, atol: 1e-15 });
    vmap(f)(xs).mul(weights).sum().backward();
    assertClose(wl.grad!, lw!, { rtol: 1e-14, atol: 1e-15 });
  });

  test('second derivatives and forward mode pass through vmap as through a loop over the examples', () => {
    const rows = tensor([
      [0.5, -1],
      [2, 0.3],
      [-0.7, 1.2],
    ]);
    const viaVmap = (v: Tensor) => vmap((x: Tensor) => x.mul(v).tanh().sum())(rows).sum();
    const viaLoop = (v: Tensor) =>
      stack(
        [0, 1, 2].map((b) =>
          rows
            .slice(0, b, b + 1)
            .reshape([2])
            .mul(v)
            .tanh()
            .sum(),
        ),
      ).sum();
    const at = tensor([0.3, -0.8]);
    assertClose(hessian(viaVmap)(at), hessian(viaLoop)(at), { rtol: 1e-14, atol: 1e-15 });
    const f = (x: Tensor) => vmap((r: Tensor) => r.mul(r).sin())(x);
    expect(jvp(f, [rows], [rows])[1].toArray()).toEqual(
      jvp((x: Tensor) => x.mul(x).sin(), [rows], [rows])[1].toArray(),
    );
  });

  test('inAxes and outAxes move the batch; a result the batch never reached is repeated along it', () => {
    const [moved, constant] = vmap((x: Tensor) => [x.mul(2), w.sum()] as const, {
      inAxes: 1,
      outAxes: [1, 0],
    })(xs.T);
    expect(moved.shape).toEqual([3, 4]);
    expect(moved.toArray()).toEqual(xs.T.mul(2).toArray());
    expect(constant.toArray()).toEqual([2.75, 2.75, 2.75, 2.75]);
  });

  test('vmap of vmap maps two axes; the inner one sees one row of one example', () => {
    const grid = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    const norms = vmap(vmap((v: Tensor) => v.mul(v).sum().sqrt()))(grid);
    expect(norms.shape).toEqual([2, 3]);
    expect(norms.toArray()).toEqual([
      [Math.sqrt(1 * 1 + 2 * 2), Math.sqrt(3 * 3 + 4 * 4), Math.sqrt(5 * 5 + 6 * 6)],
      [Math.sqrt(7 * 7 + 8 * 8), Math.sqrt(9 * 9 + 10 * 10), Math.sqrt(11 * 11 + 12 * 12)],
    ]);
  });

  test('per-example gradients of a parameter shared by the batch are one batched run', () => {
    const perExample = vmap(
      grad((W: Tensor, x: Tensor) =>
        W.matmul(x.reshape([3, 1]))
          .tanh()
          .sum(),
      ),
      {
        inAxes: [null, 0],
      },
    )(w, xs) as Tensor;
    expect(perExample.shape).toEqual([4, 2, 3]);
    for (let b = 0; b < 4; b++) {
      const alone = grad((W: Tensor) =>
        W.matmul(xs.slice(0, b, b + 1).reshape([3, 1]))
          .tanh()
          .sum(),
      )(w) as Tensor;
      expect(
        perExample
          .slice(0, b, b + 1)
          .reshape([2, 3])
          .toArray(),
      ).toEqual(alone.toArray());
    }
    expect(vmap(net)(xs).shape).toEqual([4]);
  });

  test('reading a batched value, or writing .grad per example, is an Error naming it', () => {
    expect(() => vmap((x: Tensor) => tensor(x.data[0]!))(xs)).toThrow(
      /^vmap: reading \.data reads the values of a batched tensor \(shape \[3\] per example\)/,
    );
    const leaf = tensor([1, 2, 3], { requiresGrad: true });
    expect(() =>
      vmap((x: Tensor) => {
        x.mul(leaf).sum().backward();
        return x;
      })(xs),
    ).toThrow(/^vmap: a change of state \(backward\(\) writing \.grad, an optimizer step\)/);
    expect(leaf.grad).toBeNull();
  });
});
