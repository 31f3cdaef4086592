import { tensor } from '@adjoint/autograd';
import { SGD } from '@adjoint/nn';

const w = tensor([1, -2], { requiresGrad: true });
const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
for (let step = 0; step < 2; step++) {
  sgd.zeroGrad();
  w.mul(w).sum().backward(); // ∇ = 2w
  sgd.step();
}
console.log(Array.from(w.data, (v) => v.toFixed(4))); // prints [ '0.4600', '-0.9200' ]
