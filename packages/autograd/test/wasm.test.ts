import { fc, it } from '@fast-check/vitest';
import { expect, test, vi } from 'vitest';
import { packPanels } from '../src/kernels/gemm';
import { matmul } from '../src/kernels/matmul';
import { hasSimd, packPanelsSimd, SIMD } from '../src/kernels/simd';
import { allocateFresh as allocate, type DType, type NDArray } from '../src/ndarray';
import { operands } from './operands';

test('the runtime (Node 20, Chromium) runs the WebAssembly SIMD kernel', () => {
  expect(hasSimd).toBe(true);
});

// up to 23 × 40 × 23: whole tiles, partial tiles padded with zeros, and products smaller than one tile
const dims = fc.integer({ min: 1, max: 23 });
const inner = fc.integer({ min: 1, max: 40 });
const batch = fc.constantFrom<[number[], number[]]>([[], []], [[2], [2]], [[3, 1], [2]], [[1], [2]]);

it.prop([
  dims,
  inner,
  dims,
  batch,
  fc.constantFrom<[boolean, boolean]>([false, false], [false, true], [true, false]),
  fc.integer(),
  fc.constantFrom<DType>('float64', 'float32'),
])(
  'the WebAssembly SIMD gemm gives the same bits as the TypeScript reference, for every variant, shape and dtype',
  (m, k, n, [batchA, batchB], [transA, transB], seed, dtype) => {
    const aShape = [...batchA, ...(transA ? [k, m] : [m, k])];
    const bShape = [...batchB, ...(transB ? [n, k] : [k, n])];
    const [a, b] = operands(dtype, [aShape, bShape], seed) as [NDArray, NDArray];
    const batchShape =
      batchA.length >= batchB.length
        ? batchA.map((d, i) => Math.max(d, batchB[i - batchA.length + batchB.length] ?? 1))
        : batchB;
    const outShape = [...batchShape, m, n];
    const simd = matmul(a, b, transA, transB, outShape, true);
    expect(simd).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
    expect(Array.from(simd)).toEqual(Array.from(matmul(a, b, transA, transB, outShape, false)));
  },
);

it.prop([
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 12 }),
  fc.boolean(),
  fc.constantFrom<DType>('float64', 'float32'),
  fc.constantFrom(4, 8),
])(
  "the module's pack64/pack32 lay out panels exactly as the TypeScript packPanels",
  (panelCount, steps, slack, lineMajor, dtype, width) => {
    const lines = panelCount * width; // gemm packs whole panels; the edge strips stay outside
    // a lines × steps matrix inside a wider one: either layout, with `slack` unused elements per row
    const [lineStride, stepStride] = lineMajor ? [steps + slack, 1] : [1, lines + slack];
    const src = allocate(dtype, (lineMajor ? lines : steps) * (lineMajor ? steps + slack : lines + slack));
    for (let i = 0; i < src.length; i++) src[i] = i * 0.5 - 3;
    const expected = allocate(dtype, lines * steps);
    packPanels(expected, 0, src, 0, lineStride, stepStride, lines, steps, width);
    const got = packPanelsSimd(src, lineStride, stepStride, lines, steps, width)!;
    expect(got).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
    expect(Array.from(got)).toEqual(Array.from(expected));
  },
);

test('products smaller than one tile (fewer than 4 rows or a SIMD width of columns) run in the kernel too', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [m, k, n] of [
      [1, 1, 1],
      [1, 5, 1],
      [3, 2, 7],
      [2, 9, 3],
      [100, 16, 1],
    ] as const) {
      const [a, b] = operands(
        dtype,
        [
          [m, k],
          [k, n],
        ],
        m * 100 + k * 10 + n,
      ) as [NDArray, NDArray];
      const kernel = vi.spyOn(SIMD!.gemm, dtype);
      const product = matmul(a, b, false, false, [m, n], true);
      expect(kernel).toHaveBeenCalledTimes(1);
      kernel.mockRestore();
      expect(Array.from(product)).toEqual(Array.from(matmul(a, b, false, false, [m, n], false)));
    }
  }
});

it.prop([
  fc.integer({ min: 1, max: 7 }),
  fc.integer({ min: 1, max: 9 }),
  fc.constantFrom<DType>('float64', 'float32'),
  fc.constantFrom(4, 8),
])(
  'packPanels fills a last, partial panel with zeros: the module’s packing of the matrix padded with zero lines',
  (lines, steps, dtype, width) => {
    fc.pre(lines < width);
    const src = allocate(dtype, lines * steps); // line-major, lines × steps
    for (let i = 0; i < src.length; i++) src[i] = i * 0.25 + 1;
    const padded = allocate(dtype, width * steps); // the same lines, then zero lines up to the panel
    padded.set(src);
    const heap = allocate(dtype, width * steps).fill(Number.NaN); // every element must be written
    packPanels(heap, 0, src, 0, steps, 1, lines, steps, width);
    expect(Array.from(heap)).toEqual(Array.from(packPanelsSimd(padded, steps, 1, width, steps, width)!));
  },
);
