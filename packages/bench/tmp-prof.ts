import { adjointCnnStep } from './src/cnn.ts';

const dtype = process.argv[2] ?? 'float32';
const step = adjointCnnStep(dtype, true);
for (let i = 0; i < 10; i++) step();
globalThis.__T = new Map();
const N = 20;
const t0 = performance.now();
for (let i = 0; i < N; i++) step();
const total = (performance.now() - t0) / N;
const rows = [...globalThis.__T.entries()].map(([k, v]) => [k, v / N]).sort((a, b) => b[1] - a[1]);
let sum = 0;
for (const [, v] of rows) sum += v;
console.log('step', total.toFixed(1), 'ms; steps sum', sum.toFixed(1));
for (const [k, v] of rows.slice(0, 30)) console.log(v.toFixed(2).padStart(7), k);
