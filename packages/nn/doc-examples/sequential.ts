import { randn } from '@adjoint/autograd';
import { sequential } from '@adjoint/nn';

const cnn = sequential({
  inputs: [1, 8, 8],
  layers: [
    { kind: 'conv', filters: 4, kernel: 3, padding: 1, activation: 'relu' },
    { kind: 'maxPool', kernel: 2 },
    { kind: 'flatten' },
    { units: 10, activation: 'linear' },
  ],
  seed: 1,
});
console.log(cnn.forward(randn([2, 1, 8, 8], { seed: 0 })).shape); // prints [ 2, 10 ]
console.log(
  cnn
    .namedParameters()
    .map(([name]) => name)
    .join(' '),
); // prints 0.weight 0.bias 4.weight 4.bias
