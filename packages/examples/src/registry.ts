import type { Example } from './example';
import { linearRegression } from './linear-regression';
import { logisticRegression } from './logistic-regression';
import { mnistExample } from './mnist';
import { mnistCnnExample } from './mnist-cnn';
import { moonsExample } from './moons';
import { namesBigram } from './names-bigram';
import { namesGpt } from './names-gpt';
import { namesManual } from './names-manual';
import { namesMlp } from './names-mlp';
import { neuronGates } from './neuron-gates';
import { umons } from './umons';
import { xor } from './xor';

/** The tour, in order: one example per note, then micrograd's moons and real digits (an MLP, then a CNN). */
export const EXAMPLES: readonly Example[] = [
  {
    name: 'linear-regression',
    title: 'Linear regression: finite differences vs autodiff',
    note: 'note 001 §1.1–1.2',
    flags: ['epochs', 'seed'],
    run: linearRegression,
  },
  {
    name: 'neuron-gates',
    title: 'One sigmoid neuron learns AND, OR, NAND',
    note: 'notes 000, 001 §1.3',
    flags: ['epochs', 'seed'],
    run: neuronGates,
  },
  {
    name: 'xor',
    title: 'A 2-2-1 network learns XOR',
    note: 'note 003',
    flags: ['epochs', 'seed', 'engine', 'save'],
    run: xor,
  },
  {
    name: 'logistic-regression',
    title: 'Logistic regression on breast cancer data',
    note: 'note 002 §1',
    flags: ['epochs', 'seed'],
    run: logisticRegression,
  },
  {
    name: 'umons',
    title: 'The UMONS 2-3-1 network and its adjoints',
    note: 'note 004',
    flags: ['epochs', 'seed', 'save'],
    run: umons,
  },
  {
    name: 'moons',
    title: "micrograd's moons on both engines",
    note: 'micrograd',
    flags: ['epochs', 'seed', 'engine'],
    run: moonsExample,
  },
  {
    name: 'mnist',
    title: 'Handwritten digits: a 784-128-10 MLP',
    note: 'notes 002-004 at scale',
    flags: ['epochs', 'seed', 'save'],
    run: mnistExample,
  },
  {
    name: 'mnist-cnn',
    title: 'Handwritten digits: a small convolutional network',
    note: 'convolutions, PyTorch semantics',
    flags: ['epochs', 'seed', 'save'],
    run: mnistCnnExample,
    // the full run takes minutes; the tour trains on 2,000 digits for 1 epoch
    tour: { quick: true },
  },
  {
    name: 'names-bigram',
    title: 'Names, one letter at a time: a bigram counted and learned',
    note: 'makemore, part 1',
    flags: ['epochs', 'seed'],
    run: namesBigram,
    tour: { quick: true },
  },
  {
    name: 'names-mlp',
    title: 'Names: an MLP with embeddings, with and without BatchNorm',
    note: 'makemore, parts 2–3 (Bengio et al. 2003)',
    flags: ['epochs', 'seed'],
    run: namesMlp,
    tour: { quick: true },
  },
  {
    name: 'names-manual',
    title: 'Names: the MLP trained with bars written by hand',
    note: 'makemore, part 4 (the manual backward pass)',
    flags: ['epochs', 'seed'],
    run: namesManual,
    tour: { quick: true },
  },
  {
    name: 'names-gpt',
    title: 'Names: a small GPT written as modules',
    note: 'makemore, the transformer',
    flags: ['epochs', 'seed'],
    run: namesGpt,
    // the full run (4 layers, width 64, 1,000 steps) takes minutes; the tour trains 2 layers of 32
    tour: { quick: true },
  },
];
