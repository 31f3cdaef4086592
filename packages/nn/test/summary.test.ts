import { tensor } from '@adjoint/autograd';
import { Linear, mlp, Sequential, scalarMlp, sequential, summary } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

describe('summary', () => {
  test('a CNN: each module, the shape it gives one sample, its parameters, and the total', () => {
    const cnn = sequential({
      inputs: [1, 28, 28],
      layers: [
        { kind: 'conv', filters: 8, kernel: 3, activation: 'relu' },
        { kind: 'maxPool', kernel: 2 },
        { kind: 'flatten' },
        { kind: 'dropout', rate: 0.25 },
        { units: 10, activation: 'softmax' },
      ],
    }).train();
    const s = summary(cnn);
    expect(String(s)).toBe(
      [
        '#  Layer                                              Output shape  Parameters',
        '─'.repeat(78),
        '0  Conv2d(1, 8, kernel=3×3, stride=1×1, padding=0×0)  [8, 26, 26]           80',
        '1  Activation(relu)                                   [8, 26, 26]            0',
        '2  MaxPool2d(kernel=2×2, stride=2×2, padding=0×0)     [8, 13, 13]            0',
        '3  Flatten()                                          [1352]                 0',
        '4  Dropout(rate=0.25)                                 [1352]                 0',
        '5  Linear(in=1352, out=10)                            [10]              13,530',
        '6  Activation(softmax)                                [10]                   0',
        '─'.repeat(78),
        'Total parameters: 13,610',
      ].join('\n'),
    );
    expect(s.parameters).toBe(cnn.parameters().reduce((n, p) => n + p.size, 0));
    expect(cnn.training).toBe(true); // left as it was
  });

  test('the scalar engine, and a hand-built model with and without its input shape', () => {
    const scalar = summary(
      scalarMlp({ inputs: 2, layers: [{ units: 16, activation: 'relu' }, { units: 1 }] }),
    );
    expect(scalar.rows.map((r) => [r.layer, r.outputShape, r.parameters])).toEqual([
      ['Layer(2 → 16 relu)', [16], 48],
      ['Layer(16 → 1 linear)', [1], 17],
    ]);
    expect(
      summary(mlp({ inputs: 2, layers: [{ units: 16, activation: 'relu' }, { units: 1 }] })).parameters,
    ).toBe(65);
    const hand = new Sequential([new Linear(tensor([[1, 2]]), tensor([0]))]);
    expect(summary(hand).rows[0]!.outputShape).toEqual([]);
    expect(String(summary(hand))).toContain('Linear(in=2, out=1)  ?');
    expect(summary(hand, { inputShape: [2] }).rows[0]!.outputShape).toEqual([1]);
    expect(() => summary(hand, { inputShape: [0] })).toThrow(
      'summary: expected inputShape to be a list of positive sizes',
    );
    expect(() => summary(hand, { input: [2] } as never)).toThrow(
      "summary: unknown option 'input'; did you mean 'inputShape'?",
    );
    expect(() => summary({} as never)).toThrow('summary: expected a model (sequential, mlp or scalarMlp)');
  });
});
