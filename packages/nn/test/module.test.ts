import { compile, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import {
  Activation,
  Adam,
  Dropout,
  fit,
  Linear,
  Module,
  ModuleList,
  mlp,
  mse,
  type SavedTensor,
  Sequential,
  type StateJSON,
  softmaxCrossEntropy,
  toSafetensors,
} from '../src/index.js';

/** A seeded linear layer, in → out, with Linear's own layout. */
function linear(inputs: number, outputs: number, rng: Rng): Linear {
  const w = Array.from({ length: outputs }, () => Array.from({ length: inputs }, () => 0.5 * rng.normal()));
  return new Linear(tensor(w), tensor(Array.from({ length: outputs }, () => 0.1 * rng.normal())));
}

class Block extends Module {
  norm = new Activation('tanh');
  fc: Linear;
  constructor(width: number, rng: Rng) {
    super();
    this.fc = linear(width, width, rng);
  }
  forward(x: Tensor): Tensor {
    return x.add(this.norm.forward(this.fc.forward(x)));
  }
}

class Net extends Module {
  embed: Linear;
  blocks: ModuleList<Block>;
  drop = new Dropout(0.5, new Rng(1));
  /** A parameter of its own, not in a layer. */
  scale = tensor([1.5]);
  /** A constant: a Tensor that does not require grad is not a parameter. */
  offset = tensor([0.25]);
  head: Linear;
  constructor(rng: Rng) {
    super();
    this.scale.requiresGrad = true;
    this.embed = linear(2, 4, rng);
    this.blocks = new ModuleList([new Block(4, rng), new Block(4, rng)]);
    this.head = linear(4, 3, rng);
  }
  forward(x: Tensor): Tensor {
    let h = this.embed.forward(x);
    for (const block of this.blocks) h = block.forward(h);
    return this.head.forward(this.drop.forward(h)).mul(this.scale).add(this.offset);
  }
}

describe('models written in code', () => {
  test('parameters are found by property name, in the order defined, with PyTorch’s dotted names', () => {
    const net = new Net(new Rng(0));
    expect(net.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual([
      'embed.weight 4×2',
      'embed.bias 4',
      'blocks.0.fc.weight 4×4',
      'blocks.0.fc.bias 4',
      'blocks.1.fc.weight 4×4',
      'blocks.1.fc.bias 4',
      'scale 1',
      'head.weight 3×4',
      'head.bias 3',
    ]);
    expect(net.parameters()).toEqual(net.namedParameters().map(([, p]) => p));
    expect(net.namedChildren().map(([name]) => name)).toEqual(['embed', 'blocks', 'drop', 'head']);
    expect(net.blocks.namedChildren().map(([name]) => name)).toEqual(['0', '1']);
    // a Sequential inside keeps its own names under the property's
    class Wrapper extends Module {
      body = mlp({ inputs: 2, layers: [{ units: 3, activation: 'relu' }, { units: 1 }], seed: 0 });
      forward(x: Tensor): Tensor {
        return this.body.forward(x);
      }
    }
    expect(new Wrapper().namedParameters().map(([name]) => name)).toEqual([
      'body.0.weight',
      'body.0.bias',
      'body.2.weight',
      'body.2.bias',
    ]);
    expect(new Linear(tensor([[1]]), tensor([0]))).toBeInstanceOf(Module);
  });

  test('a tied weight is one parameter, under the first name that reaches it; its gradient sums both uses', () => {
    const rng = new Rng(3);
    class Tied extends Module {
      encoder = linear(3, 3, rng);
      decoder: Linear;
      constructor() {
        super();
        this.decoder = new Linear(this.encoder.weight, tensor([0, 0, 0]));
      }
      forward(x: Tensor): Tensor {
        return this.decoder.forward(this.encoder.forward(x).tanh());
      }
    }
    const net = new Tied();
    expect(net.namedParameters().map(([name]) => name)).toEqual([
      'encoder.weight',
      'encoder.bias',
      'decoder.bias',
    ]);
    // its gradient is the sum of both uses: the same as a finite difference of the loss
    const x = tensor([[0.3, -0.2, 0.5]]);
    const loss = () => {
      const y = net.forward(x);
      return y.mul(y).sum();
    };
    loss().backward();
    const w = net.encoder.weight;
    const analytic = w.grad!.data[4]!;
    const h = 1e-6;
    w.data[4]! += h;
    const up = loss().item();
    w.data[4]! -= 2 * h;
    const down = loss().item();
    w.data[4]! += h;
    expect(analytic).toBeCloseTo((up - down) / (2 * h), 7);
  });

  test('train() and eval() reach every submodule, inside lists too', () => {
    const net = new Net(new Rng(0));
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect([net, net.blocks, net.drop, net.embed, net.blocks.at(1).norm].map((m) => m.training)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    // in evaluation mode dropout passes through: two calls agree; in training mode they differ
    const x = tensor([
      [1, 2],
      [-1, 0.5],
    ]);
    expect(net.forward(x).toArray()).toEqual(net.forward(x).toArray());
    net.train();
    expect(net.drop.training).toBe(true);
    expect(net.forward(x).toArray()).not.toEqual(net.forward(x).toArray());
  });

  test('a model in code trains with Adam exactly as the same Sequential does, eager and compiled', () => {
    const rng = new Rng(5);
    const [first, second] = [linear(2, 8, rng), linear(8, 3, rng)];
    class TwoLayer extends Module {
      fc1: Linear;
      fc2: Linear;
      constructor(a: Linear, b: Linear) {
        super();
        this.fc1 = a;
        this.fc2 = b;
      }
      forward(x: Tensor): Tensor {
        return this.fc2.forward(this.fc1.forward(x).relu());
      }
    }
    const copy = (l: Linear) =>
      new Linear(tensor(l.weight.toArray() as number[][]), tensor(Array.from(l.bias.data)));
    const inCode = new TwoLayer(first, second);
    const reference = new Sequential([copy(first), new Activation('relu'), copy(second)]);
    const compiledNet = new TwoLayer(copy(first), copy(second));
    const x = tensor(Array.from({ length: 16 }, () => [rng.normal(), rng.normal()]));
    const labels = Array.from({ length: 16 }, (_, i) => i % 3);
    const trainer = (model: Module) => {
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      return () => {
        optimizer.zeroGrad();
        const loss = softmaxCrossEntropy(model.forward(x), labels);
        loss.backward();
        optimizer.step();
        return loss;
      };
    };
    const [a, b] = [trainer(inCode), trainer(reference)];
    const c = compile(trainer(compiledNet));
    const losses: number[][] = [[], [], []];
    for (let step = 0; step < 20; step++) {
      losses[0]!.push(a().item());
      losses[1]!.push(b().item());
      losses[2]!.push(c().item());
    }
    expect(losses[0]).toEqual(losses[1]);
    expect(losses[2]).toEqual(losses[1]);
    expect(losses[0]!.at(-1)!).toBeLessThan(losses[0]![0]!);
    expect(inCode.parameters().map((p) => Array.from(p.data))).toEqual(
      reference.parameters().map((p) => Array.from(p.data)),
    );
  });

  test('printed as a tree, each submodule under its name, with the count of its numbers', () => {
    const net = new Net(new Rng(0));
    expect(String(net)).toBe(
      [
        'Net(',
        '  (embed): Linear(in=2, out=4)',
        '  (blocks): ModuleList(',
        '    (0): Block(',
        '      (norm): Activation(tanh)',
        '      (fc): Linear(in=4, out=4)',
        '    ), 20 parameters',
        '    (1): Block(',
        '      (norm): Activation(tanh)',
        '      (fc): Linear(in=4, out=4)',
        '    ), 20 parameters',
        '  ), 40 parameters',
        '  (drop): Dropout(rate=0.5)',
        '  (head): Linear(in=4, out=3)',
        '), 68 parameters',
      ].join('\n'),
    );
  });

  test('a list is walked, not applied; a model fits a regression with mse', () => {
    expect(() => new ModuleList().forward()).toThrow(
      'ModuleList.forward: a list of modules is not applied itself',
    );
    const list = new ModuleList<Linear>().push(linear(1, 1, new Rng(0)));
    expect(list.length).toBe(1);
    expect(list.at(-1)).toBe(list.at(0));
    expect([...list]).toEqual([list.at(0)]);
    expect(mse(list.at(0).forward(tensor([[1]])), tensor([[0]])).item()).toBeGreaterThanOrEqual(0);
  });
});

describe('a model in code saved and loaded by name', () => {
  /** The safetensors header, read by hand against the format: 8 bytes of length, then JSON. */
  function header(
    bytes: Uint8Array,
  ): Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> {
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  }
  const numbers = (m: Module) => m.parameters().map((p) => Array.from(p.data));

  test('toJSON and safetensors round-trip into a fresh model, bit for bit, the dropout’s generator too', () => {
    const net = new Net(new Rng(0));
    const x = tensor([[0.5, -1]]);
    net.forward(x); // the dropout draws, so its generator has moved
    for (const saved of [net.toJSON(), JSON.stringify(net), toSafetensors(net)]) {
      const fresh = new Net(new Rng(9));
      expect(numbers(fresh)).not.toEqual(numbers(net));
      fresh.loadState(saved);
      expect(numbers(fresh)).toEqual(numbers(net));
      expect(fresh.drop.getState()).toEqual(net.drop.getState());
      expect(Array.from(fresh.eval().forward(x).data)).toEqual(Array.from(net.eval().forward(x).data));
      net.train();
    }
  });

  test('the safetensors file names each tensor by its path, as PyTorch’s state_dict of the same tree', () => {
    const net = new Net(new Rng(0));
    const bytes = toSafetensors(net);
    const entries = header(bytes);
    expect(entries.__metadata__).toEqual({
      format: 'pt',
      'adjoint.rng.drop': JSON.stringify(net.drop.getState()),
    });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    for (const [name, p] of net.namedParameters()) {
      const entry = entries[name]!;
      expect([entry.dtype, entry.shape]).toEqual(['F64', p.shape]);
      const [begin, end] = entry.data_offsets as [number, number];
      const data = new Float64Array(bytes.slice(8 + length + begin, 8 + length + end).buffer);
      expect(Array.from(data)).toEqual(Array.from(p.data));
    }
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['offset']);
    // the parameters, then the buffers: a constant tensor of the model is state, as PyTorch's buffers
    expect(Object.keys(entries).filter((k) => k !== '__metadata__')).toEqual([
      ...net.namedParameters().map(([n]) => n),
      'offset',
    ]);
  });

  test('a hostile or mismatched file is refused whole, naming what is wrong, and changes nothing', () => {
    const net = new Net(new Rng(0));
    const before = numbers(net);
    const good = net.toJSON() as StateJSON;
    const edit = (f: (s: { tensors: Record<string, SavedTensor>; rng?: unknown }) => void) => {
      const copy = structuredClone(good) as unknown as {
        tensors: Record<string, SavedTensor>;
        rng?: unknown;
      };
      f(copy);
      return copy;
    };
    const cases: [unknown, string][] = [
      [
        edit((s) => delete s.tensors['head.bias']),
        'loadState: the file has no "head.bias", which the model has ([3])',
      ],
      [
        edit((s) => {
          s.tensors['head.extra'] = { dtype: 'float64', shape: [1], data: [1] };
        }),
        'loadState: the file has tensors the model does not: head.extra',
      ],
      [
        edit((s) => {
          s.tensors['embed.weight'] = { dtype: 'float64', shape: [2, 4], data: new Array(8).fill(0) };
        }),
        'loadState: "embed.weight" is [2, 4] in the file, [4, 2] in the model',
      ],
      [
        edit((s) => {
          (s.tensors['scale']!.data as number[])[0] = Number.NaN;
        }),
        'loadState: "scale"[0] is NaN, not a finite number',
      ],
      [
        edit((s) => {
          s.rng = { 'blocks.0': { state: [1, 2, 3, 4] } };
        }),
        'loadState: the file has a generator for "blocks.0", which is not a dropout of the model',
      ],
      [
        { format: 'adjoint.mlp' },
        'loadState: expected a model\'s state (format "adjoint.state", from toJSON) or safetensors bytes',
      ],
      [new Uint8Array([1, 2, 3]), 'loadState: the file has 3 bytes; a header length takes 8'],
    ];
    for (const [file, message] of cases) {
      expect(() => net.loadState(file)).toThrow(message);
      expect(numbers(net)).toEqual(before);
    }
  });

  test('fit trains a model in code as it trains the same Sequential, bit for bit', () => {
    const rng = new Rng(11);
    const [first, second] = [linear(2, 6, rng), linear(6, 1, rng)];
    const copy = (l: Linear) =>
      new Linear(tensor(l.weight.toArray() as number[][]), tensor(Array.from(l.bias.data)));
    class Regressor extends Module {
      hidden = copy(first);
      out = copy(second);
      forward(x: Tensor): Tensor {
        return this.out.forward(this.hidden.forward(x).tanh());
      }
    }
    const inCode = new Regressor();
    const reference = new Sequential([copy(first), new Activation('tanh'), copy(second)]);
    const x = tensor(Array.from({ length: 40 }, () => [rng.normal(), rng.normal()]));
    const y = tensor(Array.from({ length: 40 }, (_, i) => [Math.sin(x.data[2 * i]!)]));
    const run = (model: Module) =>
      fit(
        model,
        { x, y },
        {
          loss: mse,
          optimizer: new Adam(model.parameters(), { lr: 0.02 }),
          epochs: 5,
          batchSize: 8,
          seed: 3,
        },
      );
    const [a, b] = [run(inCode), run(reference)];
    expect(a.loss).toEqual(b.loss);
    expect(a.loss.at(-1)!).toBeLessThan(a.loss[0]!);
    expect(numbers(inCode)).toEqual(numbers(reference));
  });
});
