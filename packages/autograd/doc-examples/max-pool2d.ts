import { tensor } from '@adjoint/autograd';

const x = tensor([1, 5, 2, 0, 3, 4, 8, 6, 7, 9, 1, 2, 0, 3, 4, 1], {
  shape: [1, 1, 4, 4],
  requiresGrad: true,
});
const pooled = x.maxPool2d([2, 2]); // each 2×2 window's largest element
pooled.sum().backward(); // the gradient goes to each window's winner
console.log(pooled.data); // prints Float64Array(4) [ 5, 8, 9, 4 ]
console.log(x.grad?.data.join(' ')); // prints 0 1 0 0 0 0 1 0 0 1 0 0 0 0 1 0
