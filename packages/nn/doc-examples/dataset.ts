import { Dataset, fit, mlp, mse, SGD } from '@adjoint/nn';

// samples made afresh on every pass (an epoch), shuffled through a seeded buffer, stacked 4 at a time
const samples = Dataset.from(function* () {
  for (let i = 0; i < 10; i++) yield { x: [i / 10], y: [(2 * i) / 10 + 1] }; // y = 2x + 1
});
const batches = samples.shuffle(10, { seed: 1 }).batch(4);
console.log([...batches].map((b) => b.x.shape.join('×')).join(' ')); // prints 4×1 4×1 2×1

const net = mlp({ inputs: 1, layers: [{ units: 1 }], seed: 0 });
const history = fit(net, batches, {
  loss: mse,
  optimizer: new SGD(net.parameters(), { lr: 0.5 }),
  epochs: 400,
});
console.log(history.loss.at(-1)! < 1e-8); // prints true

// CSV text as it arrives (a Node read stream, or a fetch body in a browser): rows of numbers
const csv = Dataset.csv(['x,y\n0.5,', '2\n1.5,4\n'], { skip: 1 });
console.log(JSON.stringify([...csv])); // prints [[0.5,2],[1.5,4]]
