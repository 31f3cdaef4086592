import { fit, mlp, mse, SGD } from '@adjoint/nn';

const net = mlp({ inputs: 1, layers: [{ units: 1 }], seed: 0 }); // one linear unit
const x = [[0], [1], [2], [3]];
const y = [[1], [3], [5], [7]]; // y = 2x + 1
const history = fit(
  net,
  { x, y },
  { loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 300 },
);
console.log(history.loss.length, history.loss.at(-1)! < 1e-6); // prints 300 true
console.log(
  net
    .parameters()
    .map((p) => p.item().toFixed(3))
    .join(' '),
); // prints 2.000 1.000
