import { tensor } from '@adjoint/autograd';
import { mlp } from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';

const net = mlp({ inputs: 2, layers: [{ units: 1, activation: 'tanh' }], seed: 3 });
const back = fromOnnx(toOnnx(net, { dtype: 'float64' })); // a Sequential, ready to train or run
const x = tensor([[0.5, -0.25]]);
console.log(back.forward(x).item() === net.forward(x).item()); // prints true
