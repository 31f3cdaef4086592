import { tensor } from '@adjoint/autograd';
import { Linear, Sequential } from '@adjoint/nn';

// modules built by hand rather than from a spec: Linear(in, out) holds weight [out, in] and bias [out]
const net = new Sequential([new Linear(tensor([[1, -1]]), tensor([0.5]))]);
console.log(net.forward(tensor([[3, 1]])).toArray()); // prints [ [ 2.5 ] ]
console.log(net.parameters().length); // prints 2
