import type { Tensor } from '@adjoint/autograd';
import { fit, fitAsync, mlp, mse, SGD } from '@adjoint/nn';
import { describe, expect, test, vi } from 'vitest';

// fitAsync: fit in slices, with the event loop's turn between them (issue 31, item 5).
const x = Array.from({ length: 24 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
const y = x.map(([a, b]) => [a! + b! > 0 ? 1 : 0]);
const spec = {
  inputs: 2,
  layers: [
    { units: 6, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 4,
};
const options = (net: ReturnType<typeof mlp>, compile: boolean) => ({
  loss: mse,
  optimizer: new SGD(net.parameters(), { lr: 0.5, momentum: 0.5 }),
  epochs: 5,
  batchSize: 4,
  metrics: ['accuracy' as const],
  validationSplit: 0.25,
  compile,
});
const weights = (net: ReturnType<typeof mlp>) => net.parameters().map((p) => Array.from((p as Tensor).data));

describe('fitAsync', () => {
  test.each([false, true])(
    'gives the same history and weights as fit, bit for bit (compile: %s)',
    async (compile) => {
      const a = mlp(spec);
      const b = mlp(spec);
      const sync = fit(a, { x, y }, options(a, compile));
      const async = await fitAsync(b, { x, y }, { ...options(b, compile), yieldEvery: 0 });
      expect(async).toEqual(sync);
      expect(weights(b)).toEqual(weights(a));
    },
  );

  test('lets the event loop in between batches: timers run while it trains', async () => {
    const net = mlp(spec);
    let ticks = 0;
    let batches = 0;
    const tick = () => {
      ticks++;
      if (batches < 25) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const done = fitAsync(net, { x, y }, { ...options(net, false), yieldEvery: 0, onBatch: () => batches++ });
    expect(ticks).toBe(0); // nothing has yielded yet
    await done;
    expect(batches).toBe(25); // 5 epochs of 5 batches (18 training rows in batches of 4)
    expect(ticks).toBeGreaterThan(5); // the timer ran between batches, not only after training
    // fit, by contrast, holds the thread until it is done
    ticks = 0;
    setTimeout(tick, 0);
    fit(mlp(spec), { x, y }, options(mlp(spec), false));
    expect(ticks).toBe(0);
  });

  test('with yieldEvery 0, a timer set after a batch runs before the next batch begins', async () => {
    const net = mlp(spec);
    let batches = 0;
    // for each batch, how many batches were done when a timer set right after it ran
    const seen: number[] = [];
    let first = -1;
    setTimeout(() => {
      first = batches;
    }, 0);
    await fitAsync(
      net,
      { x, y },
      {
        ...options(net, false),
        yieldEvery: 0,
        onBatch: () => {
          batches++;
          setTimeout(() => seen.push(batches), 0);
        },
      },
    );
    expect(first).toBe(0); // the first batch, too, runs in a task of its own
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test('by default it trains for 10 ms between turns of the event loop (a clock that moves 4 ms a batch)', async () => {
    const net = mlp(spec);
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    let batches = 0;
    const turns: number[] = [];
    try {
      await fitAsync(
        net,
        { x, y },
        {
          ...options(net, false),
          onBatch: () => {
            batches++;
            clock += 4;
            const after = batches;
            setTimeout(() => batches === after && turns.push(after), 0);
          },
        },
      );
    } finally {
      now.mockRestore();
    }
    // a turn once 10 ms have passed since the last: after every third batch (12 ms); none after the
    // last batch, whose timer runs once fitAsync has resolved
    expect(turns).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
  });

  test('an abort signal stops it after the batch in progress; the history says so', async () => {
    const net = mlp(spec);
    const controller = new AbortController();
    const history = await fitAsync(
      net,
      { x, y },
      {
        ...options(net, false),
        yieldEvery: 0,
        signal: controller.signal,
        onBatch: (b) => b === 6 && controller.abort(),
      },
    );
    expect(history.stopped).toEqual({ epoch: 1, reason: 'aborted by its signal' });
    expect(history.loss).toHaveLength(2);
  });

  test('bad options reject, naming them', async () => {
    const net = mlp(spec);
    await expect(fitAsync(net, { x, y }, { ...options(net, false), yieldEvery: -1 })).rejects.toThrow(
      'fitAsync: expected yieldEvery to be a number of milliseconds ≥ 0, got -1',
    );
    await expect(fitAsync(net, { x, y }, { ...options(net, false), epoch: 3 } as never)).rejects.toThrow(
      "fitAsync: unknown option 'epoch'; did you mean 'epochs'?",
    );
  });
});
