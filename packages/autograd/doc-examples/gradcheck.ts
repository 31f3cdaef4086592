import { tensor, Value } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';

// the engine's gradient against central finite differences, input by input
const scalar = gradcheck((x: Value, y: Value) => x.mul(y).sin(), [new Value(0.3), new Value(-1.2)]);
console.log(scalar.ok); // prints true
const t = gradcheck((w) => w.tanh().sum(), [tensor([0.1, -0.4, 2], { requiresGrad: true })]);
console.log(t.ok); // prints true
