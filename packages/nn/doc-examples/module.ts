import { Rng, type Tensor, tensor } from '@adjoint/autograd';
import { Activation, Adam, Linear, Module, ModuleList, mse } from '@adjoint/nn';

// a model written in code: its parameters are found by property name, nothing registered by hand
class Residual extends Module {
  fc: Linear;
  constructor(width: number, rng: Rng) {
    super();
    const w = Array.from({ length: width }, () => Array.from({ length: width }, () => 0.1 * rng.normal()));
    this.fc = new Linear(tensor(w), tensor(new Array(width).fill(0)));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.fc.forward(x).tanh());
  }
}

class Net extends Module {
  blocks: ModuleList<Residual>;
  head = new Linear(tensor([[1, 1]]), tensor([0]));
  act = new Activation('linear');
  constructor(rng: Rng) {
    super();
    this.blocks = new ModuleList([new Residual(2, rng), new Residual(2, rng)]);
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const block of this.blocks) h = block.forward(h);
    return this.act.forward(this.head.forward(h));
  }
}

const net = new Net(new Rng(0));
console.log(
  net
    .namedParameters()
    .map(([name]) => name)
    .join(', '),
);
// prints blocks.0.fc.weight, blocks.0.fc.bias, blocks.1.fc.weight, blocks.1.fc.bias, head.weight, head.bias
const optimizer = new Adam(net.parameters(), { lr: 0.05 });
const [x, y] = [
  tensor([
    [1, 2],
    [0, -1],
  ]),
  tensor([[1], [-1]]),
];
for (let step = 0; step < 100; step++) {
  optimizer.zeroGrad();
  mse(net.forward(x), y).backward();
  optimizer.step();
}
console.log(mse(net.forward(x), y).item() < 1e-3); // prints true
