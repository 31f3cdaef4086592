import type { Tensor } from '@adjoint/autograd';
import { Adam, AdamW, fit, mlp, mse, SGD } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// Weight-decay parameter groups, as PyTorch's param_groups: one optimizer, each group's own decay.
const x = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(i)]);
const y = x.map(([a, b]) => [a! * b!]);
const spec = { inputs: 2, layers: [{ units: 5, activation: 'tanh' as const }, { units: 1 }], seed: 6 };
const weights = (net: ReturnType<typeof mlp>) => net.parameters().map((p) => Array.from((p as Tensor).data));

/** Trains with `make` (one optimizer, or several), each step every optimizer steps. */
function train(make: (ps: Tensor[]) => { step(): void; zeroGrad(): void }[]) {
  const net = mlp(spec);
  const optimizers = make(net.parameters());
  fit(
    net,
    { x, y },
    {
      loss: mse,
      optimizer: {
        step: () => {
          for (const o of optimizers) o.step();
        },
        zeroGrad: () => {
          for (const o of optimizers) o.zeroGrad();
        },
      },
      epochs: 6,
      batchSize: 4,
    },
  );
  return weights(net);
}

describe('parameter groups', () => {
  test.each([
    [
      'AdamW',
      (ps: Tensor[], d: number | undefined) =>
        new AdamW(ps, d === undefined ? { lr: 0.01 } : { lr: 0.01, weightDecay: d }),
    ],
    ['Adam', (ps: Tensor[], d: number | undefined) => new Adam(ps, { lr: 0.01, weightDecay: d ?? 0.05 })],
    [
      'SGD',
      (ps: Tensor[], d: number | undefined) =>
        new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: d ?? 0.05 }),
    ],
  ] as const)(
    '%s with decay on the weights only equals one optimizer per group, bit for bit',
    (name, make) => {
      const isWeight = (_p: Tensor, i: number) => i % 2 === 0; // weight, bias, weight, bias
      const grouped = train((ps) => {
        const groups = [
          { params: ps.filter(isWeight), weightDecay: 0.2 },
          { params: ps.filter((p, i) => !isWeight(p, i)), weightDecay: 0 },
        ];
        return [
          name === 'AdamW'
            ? new AdamW(groups, { lr: 0.01 })
            : name === 'Adam'
              ? new Adam(groups, { lr: 0.01, weightDecay: 0.05 })
              : new SGD(groups, { lr: 0.1, momentum: 0.9, weightDecay: 0.05 }),
        ];
      });
      const separate = train((ps) => [
        make(ps.filter(isWeight), 0.2),
        make(
          ps.filter((p, i) => !isWeight(p, i)),
          0,
        ),
      ]);
      expect(grouped).toEqual(separate);
      // and the groups did something: without them, the weights come out otherwise
      expect(train((ps) => [make(ps, undefined)])).not.toEqual(grouped);
    },
  );

  test('a group without weightDecay takes the optimizer’s; bad groups are named', () => {
    const net = mlp(spec);
    const [w1, b1, w2, b2] = net.parameters() as Tensor[];
    expect(() => new AdamW([{ params: [w1!], weightDecay: -1 }])).toThrow(
      "AdamW: group 0's weightDecay must be a finite number ≥ 0, got -1",
    );
    expect(() => new AdamW([{ params: [w1!], decay: 0 } as never])).toThrow(
      "AdamW (group 0): unknown option 'decay'",
    );
    expect(() => new AdamW([{ params: [w1!] }, { params: [w1!] }])).toThrow(
      'AdamW: parameter 1 is parameter 0 again; give each once',
    );
    expect(() => new AdamW([{ params: [] }])).toThrow('AdamW: the groups hold no parameters');
    const mixed = new AdamW([{ params: [w1!, w2!], weightDecay: 0.3 }, { params: [b1!, b2!] }], { lr: 0.01 });
    expect(mixed.stateDict().parameters).toHaveLength(4);
  });
});
