import { customOp, Value } from '@adjoint/autograd';

// softsign(x) = x / (1 + |x|), with its derivative 1 / (1 + |x|)² written by hand
const softsign = customOp({
  name: 'softsign',
  forward: (x: Value) => x.div(x.abs().add(1)),
  vjp: (g: Value, _y: Value, x: Value) => [g.div(x.abs().add(1).pow(2))],
});
const x = new Value(3);
const y = softsign(x);
y.backward();
console.log(y.data, x.grad); // prints 0.75 0.0625
