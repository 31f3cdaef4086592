import { type Tensor, tensor, Value } from '@adjoint/autograd';
import {
  type Callback,
  type Checkpoint,
  type EpochLogs,
  earlyStopping,
  fit,
  loadModel,
  mlp,
  modelCheckpoint,
  mse,
  progressBar,
  SGD,
  scalarMlp,
  type TrainingContext,
} from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// Callbacks as Keras calls them, and early stopping with Keras 3's semantics (issue 31).
const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const Y = [[0], [1], [1], [0]];
const spec = {
  inputs: 2,
  layers: [
    { units: 3, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 2,
};

/** A context for driving a callback by hand: what `fit` hands it, with the stop recorded. */
function handContext(logKeys: (keyof EpochLogs)[] = ['loss', 'valLoss']) {
  const stops: string[] = [];
  const context: TrainingContext = {
    model: mlp(spec),
    epochs: 100,
    batches: 1,
    logKeys,
    stopTraining: (reason) => stops.push(reason),
  };
  return { context, stops };
}

/** Feeds `values` of the monitor to an early stopping, epoch by epoch; the epoch it stopped at, or -1. */
function stopsAt(values: readonly number[], options: Parameters<typeof earlyStopping>[0]): number {
  const es = earlyStopping(options);
  const { context, stops } = handContext();
  es.onTrainBegin(context);
  for (const [epoch, v] of values.entries()) {
    es.onEpochEnd(epoch, { loss: v, valLoss: v }, context);
    if (stops.length > 0) return epoch;
  }
  return -1;
}

describe('callbacks', () => {
  test('fit calls every hook in Keras’s order, with the running batch index and the logs', () => {
    const calls: string[] = [];
    const recorder: Callback = {
      onTrainBegin: (c) => calls.push(`trainBegin ${c.epochs} ${c.logKeys.join(',')}`),
      onEpochBegin: (e) => calls.push(`epochBegin ${e}`),
      onBatchBegin: (b) => calls.push(`batchBegin ${b}`),
      onBatchEnd: (b, logs) => calls.push(`batchEnd ${b} ${typeof logs.loss}`),
      onEpochEnd: (e, logs) => calls.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`),
      onTrainEnd: () => calls.push('trainEnd'),
    };
    const net = mlp(spec);
    fit(
      net,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 0.5 }),
        epochs: 2,
        batchSize: 2,
        metrics: ['accuracy'],
        callbacks: [recorder],
      },
    );
    expect(calls).toEqual([
      'trainBegin 2 loss,accuracy',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 number',
      'batchBegin 1',
      'batchEnd 1 number',
      'epochEnd 0 loss,accuracy',
      'epochBegin 1',
      'batchBegin 2',
      'batchEnd 2 number',
      'batchBegin 3',
      'batchEnd 3 number',
      'epochEnd 1 loss,accuracy',
      'trainEnd',
    ]);
  });

  test('a callback stops training after the batch it asks in; the history says when and why', () => {
    const net = mlp(spec);
    const batches: number[] = [];
    const history = fit(
      net,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 0.5 }),
        epochs: 10,
        batchSize: 1,
        onBatch: (b) => batches.push(b),
        callbacks: [{ onBatchEnd: (b, _logs, c) => b === 5 && c.stopTraining('enough at batch 5') }],
      },
    );
    expect(batches).toEqual([0, 1, 2, 3, 4, 5]);
    expect(history.stopped).toEqual({ epoch: 1, reason: 'enough at batch 5' });
    expect(history.loss).toHaveLength(2); // epoch 1's loss is that of its two batches
  });

  test('a stop asked for in onBatchBegin skips that batch; before an epoch’s first, the epoch is not logged', () => {
    const run = (at: number) => {
      const net = mlp(spec);
      const batches: number[] = [];
      const history = fit(
        net,
        { x: X, y: Y },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 0.5 }),
          epochs: 10,
          batchSize: 1,
          onBatch: (b) => batches.push(b),
          callbacks: [{ onBatchBegin: (b, c) => b === at && c.stopTraining(`before batch ${at}`) }],
        },
      );
      return { batches, history };
    };
    const mid = run(5);
    expect(mid.batches).toEqual([0, 1, 2, 3, 4]);
    expect(mid.history.loss).toHaveLength(2);
    expect(mid.history.stopped).toEqual({ epoch: 1, reason: 'before batch 5' });
    const atEpoch = run(4);
    expect(atEpoch.batches).toEqual([0, 1, 2, 3]);
    expect(atEpoch.history.loss).toHaveLength(1);
    expect(atEpoch.history.stopped).toEqual({ epoch: 1, reason: 'before batch 4' });
  });

  test('an unknown hook name is refused before training, with the closest hook', () => {
    const net = mlp(spec);
    const before = net.parameters().map((p) => Array.from(p.data as Float64Array));
    const run = (callback: object) => () =>
      fit(
        net,
        { x: X, y: Y },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 0.5 }),
          epochs: 1,
          callbacks: [callback as Callback],
        },
      );
    expect(run({ onEpochEnds: () => {} })).toThrow(
      "fit: callbacks[0] has a method 'onEpochEnds', which is no hook; did you mean 'onEpochEnd'? (hooks: onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd, onTrainEnd)",
    );
    expect(run(3 as never)).toThrow('fit: callbacks[0] is 3, not an object of hooks');
    expect(net.parameters().map((p) => Array.from(p.data as Float64Array))).toEqual(before);
  });
});

describe('earlyStopping (Keras 3’s rules)', () => {
  test('patience counts epochs without an improvement beyond minDelta, and never stops at epoch 0', () => {
    expect(stopsAt([1, 0.9, 0.95, 0.94, 0.96], { patience: 2 })).toBe(3);
    expect(stopsAt([1, 0.9, 0.95, 0.94, 0.96], { patience: 0 })).toBe(2);
    expect(stopsAt([1, 1.1], { patience: 0 })).toBe(1);
    expect(stopsAt([1], { patience: 0 })).toBe(-1);
    // 0.96 is not 0.05 below 1: no improvement
    expect(stopsAt([1, 0.96, 0.93], { patience: 1, minDelta: 0.05 })).toBe(1);
    expect(stopsAt([1, 0.9, 0.8, 0.7], { patience: 1, minDelta: 0.05 })).toBe(-1);
  });

  test('mode: max for an accuracy by default, or as asked; a baseline not beaten keeps the patience running', () => {
    const es = earlyStopping({ monitor: 'valAccuracy', patience: 1 });
    expect(es.mode).toBe('max');
    expect(earlyStopping({ monitor: 'loss', mode: 'max' }).mode).toBe('max');
    expect(stopsAt([0.5, 0.4, 0.45], { patience: 2 })).toBe(-1);
    expect(stopsAt([0.5, 0.4, 0.45], { patience: 2, baseline: 0.2 })).toBe(2);
    expect(stopsAt([0.5, 0.4, 0.45, 0.46], { patience: 2, baseline: 0.45 })).toBe(3);
    expect(stopsAt([0.5, 0.6, 0.7, 0.2], { patience: 0, startFromEpoch: 3 })).toBe(-1);
  });

  test('restoreBestWeights puts back the best epoch’s weights when training ends, whatever ended it', () => {
    for (const patience of [1, 1000]) {
      const net = mlp({ ...spec, seed: 5 });
      const snapshots: number[][] = [];
      const es = earlyStopping({ monitor: 'valLoss', patience, restoreBestWeights: true });
      const history = fit(
        net,
        { x: X, y: Y },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 2 }),
          epochs: 40,
          // labels that disagree with training's on two points: the validation loss falls, then rises
          validation: { x: X, y: [[1], [1], [1], [0]] },
          callbacks: [
            {
              onEpochEnd: (_e, _l, c) =>
                snapshots.push(c.model.parameters().flatMap((p) => Array.from((p as Tensor).data))),
            },
            es,
          ],
        },
      );
      const valLoss = history.valLoss!;
      const best = valLoss.indexOf(Math.min(...valLoss));
      expect(es.bestEpoch).toBe(best);
      expect(best).toBeGreaterThan(0);
      expect(best).toBeLessThan(valLoss.length - 1); // the last epoch was not the best: restoring matters
      expect(net.parameters().flatMap((p) => Array.from((p as Tensor).data))).toEqual(snapshots[best]);
      if (patience === 1)
        expect(history.stopped?.reason).toMatch(/^earlyStopping: valLoss did not improve for/);
      else expect(history.stopped).toBeUndefined();
    }
  });

  test('on the scalar engine too, and a compiled fit stops and restores as the eager one does', () => {
    const scalar = scalarMlp(spec);
    const es = earlyStopping({ monitor: 'loss', patience: 0, restoreBestWeights: true });
    fit(
      scalar,
      { x: X, y: Y },
      { loss: mse, optimizer: new SGD(scalar.parameters(), { lr: 30 }), epochs: 30, callbacks: [es] },
    );
    expect(es.stoppedEpoch).toBeGreaterThan(0);
    expect(scalar.parameters().every((p) => p instanceof Value)).toBe(true);
    const runs = [false, true].map((compile) => {
      const net = mlp({ ...spec, seed: 5 });
      const stopper = earlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true });
      const history = fit(
        net,
        { x: X, y: Y },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 4 }),
          epochs: 40,
          validation: { x: X.slice(0, 2), y: Y.slice(0, 2) },
          callbacks: [stopper],
          compile,
        },
      );
      return { history, weights: net.parameters().map((p) => Array.from((p as Tensor).data)) };
    });
    expect(runs[1]).toEqual(runs[0]);
  });

  test('a monitor the run does not log, and bad options, are errors before any change', () => {
    const net = mlp(spec);
    const before = net.parameters().map((p) => Array.from((p as Tensor).data));
    const run = (callback: Callback) => () =>
      fit(
        net,
        { x: X, y: Y },
        { loss: mse, optimizer: new SGD(net.parameters(), { lr: 1 }), epochs: 3, callbacks: [callback] },
      );
    expect(run(earlyStopping())).toThrow(
      "earlyStopping: monitor 'valLoss' is not among this run's logs (loss); give fit a validation set for 'valLoss', metrics: ['accuracy'] for the accuracies",
    );
    expect(run(earlyStopping({ monitor: 'los' as never }))).toThrow(
      "earlyStopping: monitor 'los' is not among this run's logs (loss); did you mean 'loss'?",
    );
    expect(net.parameters().map((p) => Array.from((p as Tensor).data))).toEqual(before);
    expect(() => earlyStopping({ patients: 2 } as never)).toThrow(
      "earlyStopping: unknown option 'patients'; did you mean 'patience'?",
    );
    expect(() => earlyStopping({ patience: -1 })).toThrow(
      'earlyStopping: expected patience to be an integer ≥ 0, got -1',
    );
    expect(() => earlyStopping({ mode: 'lowest' as never })).toThrow(
      "earlyStopping: expected mode 'auto', 'min' or 'max'",
    );
    expect(() => earlyStopping({ minDelta: Number.NaN })).toThrow(
      'earlyStopping: expected minDelta to be a finite number ≥ 0, got NaN',
    );
  });
});

void tensor;

describe('validationSplit', () => {
  test('holds out the last fraction before any shuffle, as Keras: the same run as that validation set', () => {
    const x = Array.from({ length: 10 }, (_, i) => [Math.sin(i), Math.cos(i)]);
    const y = x.map(([a, b]) => [a! * b! > 0 ? 1 : 0]);
    const runs = [
      { validationSplit: 0.25 },
      { x: x.slice(0, 7), y: y.slice(0, 7), validation: { x: x.slice(7), y: y.slice(7) } }, // floor(10 · 0.75) = 7
    ].map((o) => {
      const net = mlp(spec);
      const { x: tx = x, y: ty = y, ...rest } = o as { x?: number[][]; y?: number[][] };
      const history = fit(
        net,
        { x: tx, y: ty },
        {
          loss: mse,
          optimizer: new SGD(net.parameters(), { lr: 0.5 }),
          epochs: 3,
          batchSize: 3,
          metrics: ['accuracy'],
          ...rest,
        },
      );
      return { history, weights: net.parameters().map((p) => Array.from((p as Tensor).data)) };
    });
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]!.history.valLoss).toHaveLength(3);
  });

  test('with validation, or a fraction that leaves no training rows, is an error', () => {
    const net = mlp(spec);
    const go = (extra: object) => () =>
      fit(
        net,
        { x: X, y: Y },
        { loss: mse, optimizer: new SGD(net.parameters(), { lr: 1 }), epochs: 1, ...extra },
      );
    expect(go({ validationSplit: 0.5, validation: { x: X, y: Y } })).toThrow(
      'fit: give validation or validationSplit, not both',
    );
    expect(go({ validationSplit: 1 })).toThrow('fit: expected validationSplit to be in (0, 1), got 1');
    expect(go({ validationSplit: 0.9 })).toThrow(
      'fit: validationSplit 0.9 of 4 samples leaves no training rows',
    );
  });
});

describe('modelCheckpoint', () => {
  const train = (callbacks: Callback[], validation = true) => {
    const net = mlp({ ...spec, seed: 5 });
    const snapshots: number[][] = [];
    const history = fit(
      net,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 2 }),
        epochs: 8,
        ...(validation ? { validation: { x: X, y: [[1], [1], [1], [0]] } } : {}),
        callbacks: [
          {
            onEpochEnd: (_e, _l, c) =>
              snapshots.push(c.model.parameters().flatMap((p) => Array.from((p as Tensor).data))),
          },
          ...callbacks,
        ],
      },
    );
    return { net, snapshots, history };
  };
  const weightsOf = (json: string) => {
    const model = loadModel(json);
    return model.parameters().flatMap((p) => Array.from((p as Tensor).data));
  };

  test('every k epochs, or only on an improvement, the model as it was then; loadModel reads it back', () => {
    const every: Checkpoint[] = [];
    const { snapshots } = train([modelCheckpoint({ save: (c) => every.push(c), every: 3 })]);
    expect(every.map((c) => c.epoch)).toEqual([2, 5]);
    for (const c of every) expect(weightsOf(c.data as string)).toEqual(snapshots[c.epoch]);
    const best: Checkpoint[] = [];
    const run = train([
      modelCheckpoint({ save: (c) => best.push(c), saveBestOnly: true, monitor: 'valLoss' }),
    ]);
    const losses = run.history.valLoss!;
    const improving = losses.flatMap((l, e) => (losses.slice(0, e).every((p) => l < p) ? [e] : []));
    expect(best.map((c) => c.epoch)).toEqual(improving);
    expect(improving.length).toBeLessThan(losses.length);
    expect(weightsOf(best.at(-1)!.data as string)).toEqual(run.snapshots[improving.at(-1)!]);
  });

  test('bad options, and a monitor the run does not log, are errors before training', () => {
    expect(() => modelCheckpoint({} as never)).toThrow(
      'modelCheckpoint: give path (a file, in Node) or save (a function), one of them',
    );
    expect(() => modelCheckpoint({ save: () => {}, every: 0 })).toThrow(
      'modelCheckpoint: expected every to be a positive integer, got 0',
    );
    expect(() => modelCheckpoint({ save: () => {}, saveBest: true } as never)).toThrow(
      "modelCheckpoint: unknown option 'saveBest'; did you mean 'saveBestOnly'?",
    );
    expect(() => train([modelCheckpoint({ save: () => {}, saveBestOnly: true })], false)).toThrow(
      "modelCheckpoint: monitor 'valLoss' is not among this run's logs (loss)",
    );
  });
});

describe('progressBar', () => {
  const run = (stream: { write(t: string): unknown; isTTY?: boolean }) => {
    const net = mlp(spec);
    fit(
      net,
      { x: X, y: Y },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 0.5 }),
        epochs: 2,
        batchSize: 2,
        callbacks: [progressBar({ stream, width: 4 })],
      },
    );
  };

  test('on a terminal: one line per epoch, redrawn per batch, then the epoch’s logs', () => {
    const written: string[] = [];
    run({ isTTY: true, write: (t) => written.push(t) });
    const text = written.join('');
    expect(written).toHaveLength(6); // two batches and the logs, per epoch
    // \r returns to the line's start, ESC[K clears what is left of the last drawing
    const shown = written.map((t) => t.replaceAll('\r', '<CR>').replaceAll('\u001b[K', '<EL>'));
    expect(shown[0]).toMatch(/^<CR>epoch 1\/2 \[== {2}\] 1\/2, loss \d\.\d{4}<EL>$/);
    expect(shown[1]).toMatch(/^<CR>epoch 1\/2 \[====\] 2\/2, loss \d\.\d{4}<EL>$/);
    expect(shown[2]).toMatch(/^<CR>epoch 1\/2: loss \d\.\d{4}<EL>\n$/);
    expect(text.split('\n')).toHaveLength(3);
  });

  test('off a terminal (a pipe, a file, CI) it writes nothing', () => {
    const written: string[] = [];
    run({ isTTY: false, write: (t) => written.push(t) });
    run({ write: (t) => written.push(t) });
    expect(written).toEqual([]);
    expect(() => progressBar({ width: 0 })).toThrow(
      'progressBar: expected width to be a positive integer, got 0',
    );
  });
});
