// Layer normalisation's two primitives, one invocation per row: μ and r = 1/√(σ² + eps) found in two
// passes over the row (as the CPU's kernel), then the row written.
import { sizeOf } from '../ndarray.js';
import type { GpuKernel } from './device.js';
import { perElement } from './shader.js';
import { literal } from './wgsl.js';

/** WGSL that finds `mean` and `r` of the row starting at `start` (d elements of x, bound at `x`). */
function moments(d: number, eps: number, x: string): string {
  return `let start = i * ${d}u;
  var sum = 0.0;
  for (var k = 0u; k < ${d}u; k++) { sum += ${x}[start + k]; }
  let mean = sum / ${literal(d)};
  var squares = 0.0;
  for (var k = 0u; k < ${d}u; k++) { let e = ${x}[start + k] - mean; squares += e * e; }
  let r = 1.0 / sqrt(squares / ${literal(d)} + ${literal(eps)});`;
}

export const normalize: GpuKernel<number> = (gpu, [x], eps) => {
  const d = x!.shape.at(-1) ?? 1;
  const rows = d === 0 ? 0 : sizeOf(x!.shape) / d;
  const body = `${moments(d, eps, 'x0')}
  for (var k = 0u; k < ${d}u; k++) { out[start + k] = (x0[start + k] - mean) * r; }`;
  return perElement(gpu, [x!], rows, body, x!.shape, sizeOf(x!.shape));
};

export const normalizeAdjoint: GpuKernel<number> = (gpu, [g, x], eps) => {
  const d = x!.shape.at(-1) ?? 1;
  const rows = d === 0 ? 0 : sizeOf(x!.shape) / d;
  const body = `${moments(d, eps, 'x1')}
  var gSum = 0.0;
  var gySum = 0.0;
  for (var k = 0u; k < ${d}u; k++) { gSum += x0[start + k]; gySum += x0[start + k] * (x1[start + k] - mean) * r; }
  let gMean = gSum / ${literal(d)};
  let gyMean = gySum / ${literal(d)};
  for (var k = 0u; k < ${d}u; k++) {
    out[start + k] = r * (x0[start + k] - gMean - (x1[start + k] - mean) * r * gyMean);
  }`;
  return perElement(gpu, [g!, x!], rows, body, x!.shape, sizeOf(x!.shape));
};
