import { noGrad, randn, type Tensor } from '@adjoint/autograd';

const t = (s: number[], seed: number) => randn(s, { seed }).astype('float32');
const cases: [string, () => unknown][] = [];
const W = t([64, 288], 1),
  C = t([64, 288, 196], 2),
  Cf = t([288, 12544], 3);
const G = t([64, 64, 196], 4),
  Gf = t([64, 12544], 5);
const Wt = t([288, 64], 6);
cases.push(['fwd batched 64× [64,288]@[288,196]', () => W.matmul(C)]);
cases.push(['fwd folded [64,288]@[288,12544]', () => W.matmul(Cf)]);
cases.push(['dX batched 64× [288,64]@[64,196]', () => Wt.matmul(G)]);
cases.push(['dX folded [288,64]@[64,12544]', () => Wt.matmul(Gf)]);
cases.push(['dW batched 64× [64,196]@[196,288] + sum', () => G.matmul(C.transpose([0, 2, 1])).sum(0)]);
cases.push(['dW folded [64,12544]@[12544,288]', () => Gf.matmul(Cf.transpose([1, 0]))]);
noGrad(() => {
  for (let round = 0; round < 2; round++)
    for (const [name, f] of cases) {
      for (let i = 0; i < 3; i++) f();
      const ts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        f();
        ts.push(performance.now() - t0);
      }
      ts.sort((a, b) => a - b);
      console.log(name.padEnd(45), ts[5]!.toFixed(2), 'ms');
    }
});
