import { tensor } from '@adjoint/autograd';
import { takeRows } from '@adjoint/nn';

// a mini-batch for a training loop of your own: rows 2 and 0, copied
const x = tensor([
  [1, 2],
  [3, 4],
  [5, 6],
]);
console.log(takeRows(x, [2, 0]).toArray()); // prints [ [ 5, 6 ], [ 1, 2 ] ]
