import { tensor } from '@adjoint/autograd';
import { Adam } from '@adjoint/nn';

const w = tensor([1, -2], { requiresGrad: true });
const adam = new Adam([w], { lr: 0.1 });
adam.zeroGrad();
w.mul(w).sum().backward();
adam.step(); // the first step moves each weight by about lr, against its gradient's sign
console.log(Array.from(w.data, (v) => v.toFixed(4))); // prints [ '0.9000', '-1.9000' ]
