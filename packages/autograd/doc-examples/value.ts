import { Value } from '@adjoint/autograd';

const x = new Value(2, 'x');
const y = x.mul(x).add(x.tanh()); // y = x² + tanh x
y.backward(); // every node it reaches keeps its bar, ∂y/∂node
console.log(y.grad, x.grad.toFixed(4)); // prints 1 4.0707
console.log(x); // prints Value(data=2, grad=4.07065, label='x')
