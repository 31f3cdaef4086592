import { grad, noGrad, Rng, randn, type Tensor, vmap } from '@adjoint/autograd';
import { product } from '../src/rules/matmul';

const rng = new Rng(1);
const W1 = randn([128, 784], { rng, dtype: 'float32' });
const X = randn([128, 784], { rng, dtype: 'float32' });
const g = randn([128, 128, 1], { rng, dtype: 'float32' });
const x3 = X.reshape([128, 784, 1]);
const a = () => noGrad(() => product(g, x3, 'nt'));
const b = () =>
  noGrad(() =>
    vmap(
      grad((w: Tensor, x: Tensor) => w.matmul(x.reshape([784, 1])).sum()),
      { inAxes: [null, 0] },
    )(W1, X),
  );
const c = () => noGrad(() => vmap((gg: Tensor, x: Tensor) => product(gg, x.reshape([784, 1]), 'nt'))(g, X));
const ta = [],
  tb = [],
  tc = [];
for (let r = 0; r < 12; r++) {
  let t0 = performance.now();
  a();
  ta.push(performance.now() - t0);
  t0 = performance.now();
  b();
  tb.push(performance.now() - t0);
  t0 = performance.now();
  c();
  tc.push(performance.now() - t0);
}
const med = (v: number[]) => v.sort((p, q) => p - q)[6]!.toFixed(1);
console.log('raw', med(ta), 'vmap grad', med(tb), 'vmap product', med(tc));
