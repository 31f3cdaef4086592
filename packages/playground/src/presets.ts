/** The expressions the graph view offers ready-made, with their inputs' values. */
export interface Preset {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly values: Readonly<Record<string, number>>;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'micrograd',
    title: "micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b)",
    source: 'n = x1*w1 + x2*w2 + b\no = tanh(n)',
    values: { x1: 2, w1: -3, x2: 0, w2: 1, b: 6.881373587019543 },
  },
  {
    id: 'neuron',
    title: 'note 001: one sigmoid neuron and its squared error',
    source: 'z = w*x + b\ny = sigmoid(z)\nL = (y - t)^2 / 2',
    values: { w: 0.5, x: 1.5, b: -0.2, t: 1 },
  },
  {
    id: 'two-layer',
    title: 'note 000: a two-layer network, one sample',
    source:
      'h1 = relu(w11*x1 + w12*x2 + b1)\nh2 = relu(w21*x1 + w22*x2 + b2)\ny = v1*h1 + v2*h2 + c\nL = (y - t)^2',
    values: {
      w11: 0.4,
      x1: 1,
      w12: -0.6,
      x2: 2,
      b1: 0.1,
      w21: 0.7,
      w22: 0.3,
      b2: -0.5,
      v1: 1.2,
      v2: -0.8,
      c: 0.05,
      t: 1,
    },
  },
  {
    id: 'umons',
    title: 'note 004: the UMONS 2-3-1 network, scalar form, log-loss',
    source: [
      'z1 = w11*x1 + w21*x2 + b1',
      'z2 = w12*x1 + w22*x2 + b2',
      'z3 = w13*x1 + w23*x2 + b3',
      'a1 = sigmoid(z1); a2 = sigmoid(z2); a3 = sigmoid(z3)',
      'z = v1*a1 + v2*a2 + v3*a3 + c',
      'L = softplus(z) - y*z',
    ].join('\n'),
    values: {
      w11: 0.1,
      x1: 0.5,
      w21: -0.2,
      x2: -1,
      b1: 0,
      w12: 0.3,
      w22: 0.4,
      b2: 0.1,
      w13: -0.5,
      w23: 0.2,
      b3: -0.1,
      v1: 0.7,
      v2: -0.3,
      v3: 0.5,
      c: 0.05,
      y: 1,
    },
  },
  {
    id: 'accumulate',
    title: 'a value used twice: b = a + a; c = b + b',
    source: 'b = a + a; c = b + b',
    values: { a: 1 },
  },
];
