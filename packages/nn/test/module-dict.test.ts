import { type Tensor, tensor } from '@adjoint/autograd';
import { expect, test } from 'vitest';
import { BatchNorm1d, Linear, Module, ModuleDict, toSafetensors } from '../src/index.js';

// ModuleDict: modules by name, as PyTorch's nn.ModuleDict. Its keys name them in the dotted names, the
// walks (parameters, buffers, train/eval, state) reach into it, and it prints as a tree.

class TwoHeads extends Module {
  trunk = new Linear(3, 4, { seed: 1 });
  heads = new ModuleDict({ sentiment: new Linear(4, 2, { seed: 2 }), topic: new Linear(4, 5, { seed: 3 }) });
  norm = new BatchNorm1d(4);
  forward(x: Tensor, head = 'topic'): Tensor {
    return this.heads.get(head).forward(this.norm.forward(this.trunk.forward(x)).tanh());
  }
}

test('its keys name its modules; the walks, the state and the printout reach into it', () => {
  const net = new TwoHeads();
  expect(net.namedParameters().map(([n]) => n)).toEqual([
    'trunk.weight',
    'trunk.bias',
    'heads.sentiment.weight',
    'heads.sentiment.bias',
    'heads.topic.weight',
    'heads.topic.bias',
    'norm.weight',
    'norm.bias',
  ]);
  expect([...net.heads.keys()]).toEqual(['sentiment', 'topic']);
  expect(net.heads.size).toBe(2);
  expect(net.heads.has('topic') && !net.heads.has('other')).toBe(true);
  const x = tensor([
    [1, 2, 3],
    [0, -1, 2],
  ]);
  expect(net.forward(x, 'sentiment').shape).toEqual([2, 2]);
  expect(net.forward(x).shape).toEqual([2, 5]);
  // eval reaches the modules in the dict; a copy loaded from its safetensors gives the same outputs
  net.eval();
  expect([...net.heads].every(([, m]) => !m.training)).toBe(true);
  const copy = new TwoHeads();
  copy.heads.set('topic', new Linear(4, 5, { seed: 9 }));
  copy.loadState(toSafetensors(net));
  copy.eval();
  expect(copy.forward(x).toArray()).toEqual(net.forward(x).toArray());
  expect(String(net)).toContain(
    '(heads): ModuleDict(\n    (sentiment): Linear(in=4, out=2)\n    (topic): Linear(in=4, out=5)\n  )',
  );
  // from pairs too; a name replaced keeps its place
  const dict = new ModuleDict([
    ['b', new Linear(1, 1)],
    ['a', new Linear(1, 2)],
  ]);
  dict.set('b', new Linear(1, 3));
  expect(dict.namedParameters().map(([n, p]) => `${n} ${p.shape}`)).toEqual([
    'b.weight 3,1',
    'b.bias 3',
    'a.weight 2,1',
    'a.bias 2',
  ]);
  expect(() => dict.forward()).toThrow('ModuleDict.forward: a dict of modules is not applied itself');
});
