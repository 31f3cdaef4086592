import { readFileSync } from 'node:fs';
import { fc, it } from '@fast-check/vitest';
import { expect, test } from 'vitest';
import wabtInit from 'wabt';
import { GEMM_WASM } from '../src/gemm-wasm';
import { hasSimd, matmul } from '../src/kernels';

test('Node 20 runs the WebAssembly SIMD kernel', () => {
  expect(hasSimd).toBe(true);
});

test('the committed kernel is src/wasm/gemm.wat assembled (run scripts/build-wasm.mjs after editing it)', async () => {
  const wabt = await wabtInit();
  const path = new URL('../src/wasm/gemm.wat', import.meta.url);
  const module = wabt.parseWat(path.pathname, readFileSync(path, 'utf8'), { simd: true });
  module.validate();
  const bytes = Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  expect(bytes.toString('base64')).toBe(GEMM_WASM);
});

// up to 23 × 40 × 23: most cases pass the 4,096-product threshold of the SIMD path, with edge strips
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
])(
  'the WebAssembly SIMD gemm gives the same bits as the TypeScript reference, for every variant and shape',
  (m, k, n, [batchA, batchB], [transA, transB], seed) => {
    let s = seed;
    const random = () => {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      return (s >>> 8) / 2 ** 24 - 0.5;
    };
    const aShape = [...batchA, ...(transA ? [k, m] : [m, k])];
    const bShape = [...batchB, ...(transB ? [n, k] : [k, n])];
    const a = {
      data: Float64Array.from({ length: aShape.reduce((x, y) => x * y, 1) }, random),
      shape: aShape,
    };
    const b = {
      data: Float64Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, random),
      shape: bShape,
    };
    const batchShape =
      batchA.length >= batchB.length
        ? batchA.map((d, i) => Math.max(d, batchB[i - batchA.length + batchB.length] ?? 1))
        : batchB;
    const outShape = [...batchShape, m, n];
    expect(Array.from(matmul(a, b, transA, transB, outShape, true))).toEqual(
      Array.from(matmul(a, b, transA, transB, outShape, false)),
    );
  },
);
