import { ones, randn, Tensor, tensor } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { fold, unfold } from '../src/kernels/window';

// Convolution and pooling: by hand on a 4×4 image, against a direct convolution written out in loops
// over random shapes, strides, paddings, dilations and groups, and their errors.

/** conv2d as its definition, loops over every output and every tap: the reference. */
function direct(x: Tensor, w: Tensor, s: number[], p: number[], d: number[], groups: number): Float64Array {
  const [n, c, h, wd] = x.shape as number[] as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as number[] as [number, number, number, number];
  const oh = Math.floor((h + 2 * p[0]! - d[0]! * (kh - 1) - 1) / s[0]!) + 1;
  const ow = Math.floor((wd + 2 * p[1]! - d[1]! * (kw - 1) - 1) / s[1]!) + 1;
  const out = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++)
    for (let f = 0; f < o; f++) {
      const group = Math.floor(f / (o / groups));
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let sum = 0;
          for (let ch = 0; ch < cg; ch++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const row = y * s[0]! - p[0]! + i * d[0]!;
                const col = z * s[1]! - p[1]! + j * d[1]!;
                if (row < 0 || row >= h || col < 0 || col >= wd) continue;
                sum +=
                  x.data[((b * c + group * cg + ch) * h + row) * wd + col]! *
                  w.data[((f * cg + ch) * kh + i) * kw + j]!;
              }
          out[((b * o + f) * oh + y) * ow + z] = sum;
        }
    }
  return out;
}

/** Every element within 1e-12 (relative) of the reference: the sums run in another order. */
function expectDefinition(y: Tensor, reference: Float64Array): void {
  expect(y.size).toBe(reference.length);
  for (let i = 0; i < reference.length; i++)
    expect(Math.abs(y.data[i]! - reference[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(reference[i]!)));
}

const image = () =>
  tensor(
    [
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ],
    { requiresGrad: true },
  );

describe('by hand, on a 1-channel 4×4 image', () => {
  test('conv2d with the 2×2 kernel [[1, 0], [0, -1]]: every output is x(i, j) − x(i+1, j+1) = −5, and both adjoints', () => {
    const x = image();
    const w = tensor(
      [
        [
          [
            [1, 0],
            [0, -1],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    const y = x.conv2d(w);
    expect(y.toArray()).toEqual([
      [
        [
          [-5, -5, -5],
          [-5, -5, -5],
          [-5, -5, -5],
        ],
      ],
    ]);
    y.sum().backward();
    // x̄: +1 where a window's top-left tap reads it, −1 where its bottom-right tap does
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [1, 1, 1, 0],
          [1, 0, 0, -1],
          [1, 0, 0, -1],
          [0, -1, -1, -1],
        ],
      ],
    ]);
    // w̄(a, b): the sum of the 3×3 block that tap (a, b) reads, 1+2+3+5+6+7+9+10+11 = 54 and so on
    expect(w.grad!.toArray()).toEqual([
      [
        [
          [54, 63],
          [90, 99],
        ],
      ],
    ]);
  });

  test('maxPool2d(2): the maximum of each 2×2 block, and the gradient goes to it', () => {
    const x = image();
    const y = x.maxPool2d(2);
    expect(y.toArray()).toEqual([
      [
        [
          [6, 8],
          [14, 16],
        ],
      ],
    ]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [0, 0, 0, 0],
          [0, 1, 0, 1],
          [0, 0, 0, 0],
          [0, 1, 0, 1],
        ],
      ],
    ]);
  });

  test('avgPool2d(2): the mean of each 2×2 block, each element getting a quarter of its gradient', () => {
    const x = image();
    const y = x.avgPool2d(2);
    expect(y.toArray()).toEqual([
      [
        [
          [3.5, 5.5],
          [11.5, 13.5],
        ],
      ],
    ]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
        ],
      ],
    ]);
  });

  test('padding: avgPool2d counts it in the mean (PyTorch’s default), maxPool2d never picks it', () => {
    const x = tensor([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
    expect(x.avgPool2d(2, { stride: 2, padding: 1 }).toArray()).toEqual([
      [
        [
          [-0.25, -0.5],
          [-0.75, -1],
        ],
      ],
    ]);
    expect(x.maxPool2d(2, { stride: 2, padding: 1 }).toArray()).toEqual([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
  });

  test('maxPool2d: tied maxima share the gradient evenly; NaN takes none; padding loses even to −∞', () => {
    // tensor() takes finite numbers only; a NaN can still arise from arithmetic, so build it raw
    const x = new Tensor(Float64Array.of(7, 7, 1, Number.NaN, 7, 2, 3, 4), [1, 1, 2, 4]);
    x.requiresGrad = true;
    const y = x.maxPool2d(2);
    expect(y.toArray()).toEqual([[[[7, Number.NaN]]]]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [1 / 3, 1 / 3, 0, 0],
          [1 / 3, 0, 0, 0],
        ],
      ],
    ]);
    const inf = Number.NEGATIVE_INFINITY;
    expect(
      Array.from(new Tensor(Float64Array.of(inf, inf), [1, 1, 1, 2]).maxPool2d(2, { padding: 1 }).data),
    ).toEqual([inf, inf]);
  });

  test('flatten merges the axes from the start axis on', () => {
    expect(ones([2, 3, 4, 5]).flatten().shape).toEqual([2, 60]);
    expect(ones([2, 3, 4, 5]).flatten(2).shape).toEqual([2, 3, 20]);
    expect(ones([2, 3, 4, 5]).flatten(0).shape).toEqual([120]);
  });
});

describe('against the direct convolution', () => {
  it.prop([
    fc.record({
      n: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      perGroup: fc.integer({ min: 1, max: 3 }),
      outPerGroup: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 6, max: 12 }), // the widest window, 3 taps 2 apart, spans 5
      w: fc.integer({ min: 6, max: 12 }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      seed: fc.nat(),
    }),
  ])(
    'conv2d equals its definition over shapes, strides, paddings, dilations and groups (and through the SIMD matmul)',
    (o) => {
      const x = randn([o.n, o.groups * o.perGroup, o.h, o.w], { seed: o.seed });
      const w = randn([o.groups * o.outPerGroup, o.perGroup, o.kh, o.kw], { seed: o.seed + 1 });
      const y = x.conv2d(w, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups });
      const reference = direct(x, w, o.stride, o.padding, o.dilation, o.groups);
      expect(y.size).toBe(reference.length);
      expectDefinition(y, reference);
    },
  );

  test('a large product takes the WebAssembly path and still equals the definition', () => {
    const x = randn([2, 8, 20, 20], { seed: 3 });
    const w = randn([16, 8, 3, 3], { seed: 4 });
    const y = x.conv2d(w, { padding: 1 });
    const reference = direct(x, w, [1, 1], [1, 1], [1, 1], 1);
    expectDefinition(y, reference);
  });
});

describe('max pooling against its definition', () => {
  /** The maximum of each window (padding never counts), and each window's g shared among its ties. */
  function directMaxPool(x: Tensor, g: Float64Array, k: number[], s: number[], p: number[]) {
    const [n, c, h, w] = x.shape as number[] as [number, number, number, number];
    const oh = Math.floor((h + 2 * p[0]! - k[0]!) / s[0]!) + 1;
    const ow = Math.floor((w + 2 * p[1]! - k[1]!) / s[1]!) + 1;
    const y = new Float64Array(n * c * oh * ow);
    const dx = new Float64Array(x.size);
    for (let plane = 0, o = 0; plane < n * c; plane++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++, o++) {
          const taps: number[] = [];
          for (let a = 0; a < k[0]!; a++)
            for (let b = 0; b < k[1]!; b++) {
              const [r, col] = [i * s[0]! - p[0]! + a, j * s[1]! - p[1]! + b];
              if (r >= 0 && r < h && col >= 0 && col < w) taps.push((plane * h + r) * w + col);
            }
          // the first of equal maxima, as PyTorch's `val > max || isnan(val)` keeps it (so max(−0, 0) is −0)
          const m = taps.reduce((best, t) => {
            const v = x.data[t]!;
            return v > best || Number.isNaN(v) ? v : best;
          }, Number.NEGATIVE_INFINITY);
          y[o] = m;
          const ties = taps.filter((t) => x.data[t] === m);
          for (const t of ties) dx[t]! += g[o]! / ties.length;
        }
    return { y, dx };
  }

  it.prop([
    fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 2, max: 9 }),
      w: fc.integer({ min: 2, max: 9 }),
      // half the cases the common 2×2 stride-2 pool, which has a path of its own
      window: fc.oneof(
        fc.constant({ k: [2, 2], s: [2, 2], p: [0, 0] }),
        fc.record({
          k: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          s: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          p: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
        }),
      ),
      seed: fc.nat(),
    }),
  ])('the maxima and the gradient shared among tied maxima, over shapes, strides and paddings', (o) => {
    const [k, s, p] = [o.window.k, o.window.s, o.window.p] as [number, number][];
    fc.pre(2 * p![0] <= k![0] && 2 * p![1] <= k![1]);
    // small integers, so windows often tie (ReLU's zeros do)
    const values = new Tensor(
      Float64Array.from(randn([o.n * o.c * o.h * o.w], { seed: o.seed }).data, (v) => Math.round(1.5 * v)),
      [o.n, o.c, o.h, o.w],
    );
    values.requiresGrad = true;
    const y = values.maxPool2d(k!, { stride: s!, padding: p! });
    const g = randn([...y.shape], { seed: o.seed + 1 });
    y.mul(g).sum().backward();
    const reference = directMaxPool(values, g.data as Float64Array, k!, s!, p!);
    expect(Array.from(y.data)).toEqual(Array.from(reference.y));
    expect(Array.from(values.grad!.data)).toEqual(Array.from(reference.dx));
  });
});

describe('errors name the shapes and the option at fault', () => {
  test.each([
    [
      'channels',
      () => ones([1, 3, 5, 5]).conv2d(ones([8, 4, 3, 3])),
      'conv2d: input has 3 channels, weight expects 4 (weight [8, 4, 3, 3], groups 1)',
    ],
    [
      'groups',
      () => ones([1, 4, 5, 5]).conv2d(ones([3, 2, 3, 3]), { groups: 2 }),
      'conv2d: 3 output channels do not split into 2 groups',
    ],
    [
      'too small',
      () => ones([1, 1, 2, 2]).conv2d(ones([1, 1, 3, 3])),
      'conv2d: the output would be 0×0: input [1, 1, 2, 2] is smaller than the kernel 3×3',
    ],
    [
      'rank',
      () => ones([3, 5, 5]).conv2d(ones([1, 3, 3, 3])),
      'conv2d: expected input [N, C, H, W], got shape [3, 5, 5]',
    ],
    [
      'stride',
      () => ones([1, 1, 5, 5]).conv2d(ones([1, 1, 3, 3]), { stride: 0 }),
      'conv2d: expected stride to be an integer ≥ 1 or an [h, w] pair of them, got 0',
    ],
    [
      'option',
      () => ones([1, 1, 5, 5]).conv2d(ones([1, 1, 3, 3]), { strides: 2 } as never),
      "conv2d: unknown option 'strides'; did you mean 'stride'?",
    ],
    [
      'pool padding',
      () => ones([1, 1, 5, 5]).maxPool2d(2, { padding: 2 }),
      'maxPool2d: padding 2×2 is more than half the kernel 2×2',
    ],
    ['flatten', () => ones([2, 3]).flatten(2), 'flatten: startAxis 2 is out of range for a tensor of rank 2'],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('the unfold and fold of a "same" convolution (a path of their own)', () => {
  /** Shapes, odd kernels padded to keep the size, both dtypes. */
  const sameWalk = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    k: fc.tuple(fc.constantFrom(1, 3, 5), fc.constantFrom(1, 3, 5)),
    dtype: fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
    seed: fc.nat(),
  });
  const windowOf = (k: [number, number]) =>
    ({ kernel: k, stride: [1, 1], padding: [(k[0] - 1) / 2, (k[1] - 1) / 2], dilation: [1, 1] }) as const;

  /**
   * Every entry of im2col's columns [N, C, kH·kW, H·W] in order, by its definition: `at` its index,
   * `pixel` the index of the image element under it, or −1 where the window hangs over an edge.
   */
  function forEachTap(
    [n, c, h, w]: readonly number[],
    k: [number, number],
    visit: (at: number, pixel: number) => void,
  ): void {
    const [ph, pw] = [(k[0] - 1) / 2, (k[1] - 1) / 2];
    let at = 0;
    for (let plane = 0; plane < n! * c!; plane++)
      for (let i = 0; i < k[0]; i++)
        for (let j = 0; j < k[1]; j++)
          for (let y = 0; y < h!; y++)
            for (let z = 0; z < w!; z++, at++) {
              const [r, col] = [y + i - ph, z + j - pw];
              visit(at, r >= 0 && r < h! && col >= 0 && col < w! ? (plane * h! + r) * w! + col : -1);
            }
  }

  it.prop([sameWalk, fc.constantFrom(0, Number.NEGATIVE_INFINITY)])(
    'unfold copies every tap, and `fill` where the window hangs over any edge, bit for bit',
    (o, fill) => {
      const x = randn([o.n, o.c, o.h, o.w], { seed: o.seed }).astype(o.dtype);
      const expected: number[] = [];
      forEachTap(x.shape, o.k, (_at, pixel) => expected.push(pixel < 0 ? fill : x.data[pixel]!));
      expect(Array.from(unfold(x, windowOf(o.k), fill))).toEqual(expected);
    },
  );

  it.prop([sameWalk])(
    "fold, its adjoint, sums each pixel's taps in tap order in float64, rounded once: bit for bit",
    (o) => {
      const shape = [o.n, o.c, o.h, o.w];
      const cols = randn([o.n, o.c, o.k[0] * o.k[1], o.h * o.w], { seed: o.seed }).astype(o.dtype);
      const sums = new Float64Array(o.n * o.c * o.h * o.w);
      forEachTap(shape, o.k, (at, pixel) => {
        if (pixel >= 0) sums[pixel]! += cols.data[at]!;
      });
      const expected = o.dtype === 'float32' ? Array.from(Float32Array.from(sums)) : Array.from(sums);
      expect(Array.from(fold(cols, windowOf(o.k), shape))).toEqual(expected);
    },
  );
});
