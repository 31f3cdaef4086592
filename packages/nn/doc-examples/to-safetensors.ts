import { mlp, toSafetensors } from '@adjoint/nn';

const net = mlp({ inputs: 2, layers: [{ units: 3, activation: 'relu' }], seed: 0 });
const bytes = toSafetensors(net, { dtype: 'float32' });
const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + bytes[0]!)));
console.log(header['0.weight']); // prints { dtype: 'F32', shape: [ 3, 2 ], data_offsets: [ 0, 24 ] }
