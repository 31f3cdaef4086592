import { compile, type Tensor, tensor } from '@adjoint/autograd';

const w = tensor([0.5, -1], { requiresGrad: true });
const step = compile((x: Tensor) => {
  w.zeroGrad();
  const loss = x.mul(w).tanh().sum();
  loss.backward();
  return loss;
});
step(tensor([1, 2])); // traced: runs f and records its kernels
const loss = step(tensor([3, 4])); // replayed: the same numbers as f, bit for bit
const grads = Array.from(w.grad?.data ?? [], (g) => g.toFixed(4));
console.log(loss.item().toFixed(4), grads, step.traces); // prints -0.0942 [ '0.5421', '0.0054' ] 1
