import { mlp, predict } from '@adjoint/nn';

const net = mlp({ inputs: 2, layers: [{ units: 3, activation: 'softmax' }], seed: 0 });
const p = predict(net, [
  [1, 0],
  [0, 1],
]); // evaluation mode, no graph recorded
console.log(
  p.shape,
  Array.from(p.sum(1).data, (s) => s.toFixed(6)),
); // prints [ 2, 3 ] [ '1.000000', '1.000000' ]
