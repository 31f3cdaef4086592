import type { Example } from './example';
import { linearRegression } from './examples/linear-regression';
import { logisticRegression } from './examples/logistic-regression';
import { mnistExample } from './examples/mnist';
import { moonsExample } from './examples/moons';
import { neuronGates } from './examples/neuron-gates';
import { umons } from './examples/umons';
import { xor } from './examples/xor';

/** The tour, in order: one example per seed note, then micrograd's moons and real digits. */
export const EXAMPLES: readonly Example[] = [
  {
    name: 'linear-regression',
    title: 'Linear regression: finite differences vs autodiff',
    seed: 'seed 001 §1.1–1.2',
    flags: ['epochs', 'seed'],
    run: linearRegression,
  },
  {
    name: 'neuron-gates',
    title: 'One sigmoid neuron learns AND, OR, NAND',
    seed: 'seeds 000, 001 §1.3',
    flags: ['epochs', 'seed'],
    run: neuronGates,
  },
  {
    name: 'xor',
    title: 'A 2-2-1 network learns XOR',
    seed: 'seed 003',
    flags: ['epochs', 'seed', 'engine'],
    run: xor,
  },
  {
    name: 'logistic-regression',
    title: 'Logistic regression on breast cancer data',
    seed: 'seed 002 §1',
    flags: ['epochs', 'seed'],
    run: logisticRegression,
  },
  {
    name: 'umons',
    title: 'The UMONS 2-3-1 network and its adjoints',
    seed: 'seed 004',
    flags: ['epochs', 'seed'],
    run: umons,
  },
  {
    name: 'moons',
    title: "micrograd's moons on both engines",
    seed: 'micrograd',
    flags: ['epochs', 'seed', 'engine'],
    run: moonsExample,
  },
  {
    name: 'mnist',
    title: 'Handwritten digits: a 784-128-10 MLP',
    seed: 'seeds 002-004 at scale',
    flags: ['epochs', 'seed'],
    run: mnistExample,
  },
];
