import { tensor } from '@adjoint/autograd';
import { mlp } from '@adjoint/nn';

const net = mlp({
  inputs: 2,
  layers: [
    { units: 4, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  seed: 0,
});
console.log(
  net
    .parameters()
    .map((p) => p.shape.join('×'))
    .join(' '),
); // prints 4×2 4 1×4 1
console.log(net.forward(tensor([[0.5, -1]])).shape); // prints [ 1, 1 ]
