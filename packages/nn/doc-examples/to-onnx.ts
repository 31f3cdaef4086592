import { mlp } from '@adjoint/nn';
import { fromOnnx, toOnnx } from '@adjoint/nn/onnx';

const net = mlp({ inputs: 3, layers: [{ units: 2, activation: 'relu' }], seed: 0 });
const bytes = toOnnx(net); // float32, opset 17: what ONNX Runtime and PyTorch load
console.log(bytes instanceof Uint8Array, fromOnnx(bytes).spec?.layers); // prints true [ { units: 2, activation: 'relu' } ]
