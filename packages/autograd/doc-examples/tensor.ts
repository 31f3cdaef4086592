import { tensor } from '@adjoint/autograd';

const w = tensor(
  [
    [1, 2],
    [3, 4],
  ],
  { requiresGrad: true },
);
const loss = w.matmul(w.T).sum(); // Σ WWᵀ
loss.backward();
console.log(loss.item(), w.grad?.toArray()); // prints 52 [ [ 8, 12 ], [ 8, 12 ] ]
