import { type Tensor, tensor, valueAndGrad } from '@adjoint/autograd';

const loss = (w: Tensor, x: Tensor) => w.mul(x).sum().pow(2);
const [value, grads] = valueAndGrad(loss, [0, 1])(tensor([1, 2]), tensor([3, 4]));
console.log(
  String(value),
  grads.map((g) => g.toArray()),
); // prints Tensor(121, dtype=float64, op=pow) [ [ 66, 88 ], [ 22, 44 ] ]
