/**
 * Micro-benchmark: a 256×256 matmul, forward and backward (three products, 6n³ flops), against a naive
 * i-j-k triple loop computing the same three products, measured side by side in one run. Reports the
 * median of repeated runs in GFLOP/s and the ratio. Speed is measured here, never asserted in a test.
 */
import { Rng, randn, type Tensor } from '@adjoint/autograd';

const n = Number(process.argv[2] ?? 256);
const repeats = Number(process.argv[3] ?? 15);
const rng = new Rng(1);
const a = randn([n, n], rng);
const b = randn([n, n], rng);
a.requiresGrad = true;
b.requiresGrad = true;

function adjointStep(): Tensor {
  a.zeroGrad();
  b.zeroGrad();
  const c = a.matmul(b);
  c.backward(c); // seed with C itself: dA = C·Bᵀ, dB = Aᵀ·C
  return c;
}

/** C = A·B, dA = G·Bᵀ, dB = Aᵀ·G with the textbook i-j-k loops over Float64Array. */
function naiveStep(): Float64Array {
  const [A, B] = [a.data, b.data];
  const C = new Float64Array(n * n);
  const dA = new Float64Array(n * n);
  const dB = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * B[k * n + j]!;
      C[i * n + j] = s;
    }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += C[i * n + k]! * B[j * n + k]!;
      dA[i * n + j] = s;
    }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[k * n + i]! * C[k * n + j]!;
      dB[i * n + j] = s;
    }
  return dB;
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)]!;
}

const times = { adjoint: [] as number[], naive: [] as number[] };
for (let r = 0; r < repeats + 2; r++) {
  // interleaved, so both see the same machine load; the first two rounds warm up the JIT
  for (const [name, step] of [
    ['adjoint', adjointStep],
    ['naive', naiveStep],
  ] as const) {
    const t0 = performance.now();
    step();
    const t = performance.now() - t0;
    if (r >= 2) times[name].push(t);
  }
}
const gflops = (ms: number) => (6 * n ** 3) / (ms * 1e6);
const [ta, tn] = [median(times.adjoint), median(times.naive)];
console.log(`matmul ${n}×${n}, forward + backward (6n³ flops), median of ${repeats}:`);
console.log(`  adjoint      ${ta.toFixed(2)} ms  ${gflops(ta).toFixed(2)} GFLOP/s`);
console.log(`  naive i-j-k  ${tn.toFixed(2)} ms  ${gflops(tn).toFixed(2)} GFLOP/s`);
console.log(`  ratio        ${(tn / ta).toFixed(2)}× faster than the naive loop`);
