import { grad, type Tensor, tensor } from '@adjoint/autograd';

const f = (w: Tensor) => w.mul(w).sum(); // Σ w²
console.log(grad(f)(tensor([1, 2, 3])).toArray()); // prints [ 2, 4, 6 ]
const cube = (x: Tensor) => x.pow(3).sum();
console.log(grad(grad(cube))(tensor(2)).item()); // prints 12
