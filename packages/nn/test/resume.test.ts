import type { Tensor } from '@adjoint/autograd';
import {
  Adam,
  fit,
  loadModel,
  loadTrainingState,
  mlp,
  mse,
  ReduceLROnPlateau,
  SGD,
  StepLR,
  sequential,
  toSafetensors,
  trainingStateToJSON,
  trainingStateToSafetensors,
} from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// A run stopped after some epochs and resumed from what it saved equals the run that never stopped,
// bit for bit: the model (its JSON), the optimizer (stateDict), the schedule (stateDict), initialEpoch.
const x = Array.from({ length: 10 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
const y = x.map(([a, b]) => [a! * b! > 0 ? 1 : 0]);
const spec = {
  inputs: 2,
  layers: [
    { units: 4, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 3,
};
const weights = (net: { parameters(): unknown[] }) =>
  net.parameters().map((p) => Array.from((p as Tensor).data));

describe('resume', () => {
  test.each([
    ['Adam + StepLR', false],
    ['Adam + StepLR, compiled', true],
  ] as const)('%s: stopped at epoch 3 and resumed equals 6 epochs straight', (_name, compile) => {
    const options = (optimizer: Adam, schedule: StepLR, epochs: number) => ({
      loss: mse,
      optimizer,
      epochs,
      batchSize: 3,
      seed: 7,
      compile,
      callbacks: [schedule],
    });
    const straight = mlp(spec);
    const straightOptimizer = new Adam(straight.parameters(), { lr: 0.05 });
    const straightSchedule = new StepLR(straightOptimizer, { stepSize: 2, gamma: 0.5 });
    const all = fit(straight, { x, y }, options(straightOptimizer, straightSchedule, 6));

    const first = mlp(spec);
    const firstOptimizer = new Adam(first.parameters(), { lr: 0.05 });
    const firstSchedule = new StepLR(firstOptimizer, { stepSize: 2, gamma: 0.5 });
    fit(first, { x, y }, options(firstOptimizer, firstSchedule, 3));
    // what a checkpoint keeps, through JSON text as a file would
    const saved = JSON.stringify({
      model: first.toJSON(),
      optimizer: firstOptimizer.stateDict(),
      schedule: firstSchedule.stateDict(),
    });

    const back = JSON.parse(saved);
    const resumed = loadModel(back.model);
    const optimizer = new Adam(resumed.parameters(), { lr: 0.05 });
    const schedule = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
    optimizer.loadStateDict(back.optimizer);
    schedule.loadStateDict(back.schedule);
    const rest = fit(resumed, { x, y }, { ...options(optimizer, schedule, 6), initialEpoch: 3 });

    expect(rest.loss).toEqual(all.loss.slice(3));
    expect(weights(resumed)).toEqual(weights(straight));
    expect(optimizer.stateDict()).toEqual(straightOptimizer.stateDict());
    expect(schedule.lastEpoch).toBe(straightSchedule.lastEpoch);
  });

  test('SGD with momentum and a plateau schedule resume too; their states are plain JSON', () => {
    const run = (epochs: number, from?: string) => {
      const net = from === undefined ? mlp(spec) : loadModel(JSON.parse(from).model);
      const optimizer = new SGD(net.parameters(), { lr: 0.5, momentum: 0.9, nesterov: true });
      const plateau = new ReduceLROnPlateau(optimizer, {
        monitor: 'loss',
        patience: 0,
        factor: 0.5,
        threshold: 0.1,
      });
      if (from !== undefined) {
        optimizer.loadStateDict(JSON.parse(from).optimizer);
        plateau.loadStateDict(JSON.parse(from).plateau);
      }
      const history = fit(
        net,
        { x, y },
        {
          loss: mse,
          optimizer,
          epochs,
          batchSize: 4,
          callbacks: [plateau],
          ...(from === undefined ? {} : { initialEpoch: 4 }),
        },
      );
      const state = JSON.stringify({
        model: net.toJSON(),
        optimizer: optimizer.stateDict(),
        plateau: plateau.stateDict(),
      });
      return { net, history, state, lr: optimizer.lr };
    };
    const straight = run(9);
    const resumed = run(9, run(4).state);
    expect(weights(resumed.net)).toEqual(weights(straight.net));
    expect(resumed.lr).toBe(straight.lr);
    expect(resumed.lr).toBeLessThan(0.5); // the plateau did cut the rate
    expect(JSON.parse(resumed.state)).toEqual(JSON.parse(straight.state));
  });

  test('a state of another optimizer or model, or an initialEpoch out of range, is refused with nothing changed', () => {
    const net = mlp(spec);
    const adam = new Adam(net.parameters());
    const before = adam.stateDict();
    fit(net, { x, y }, { loss: mse, optimizer: adam, epochs: 1 });
    const state = adam.stateDict();
    const sgd = new SGD(net.parameters(), { lr: 1 });
    expect(() => sgd.loadStateDict(state)).toThrow(
      'SGD.loadStateDict: the state is the string "Adam"\'s, not SGD\'s',
    );
    const other = new Adam(mlp({ ...spec, inputs: 3 }).parameters());
    expect(() => other.loadStateDict(state)).toThrow(
      "Adam.loadStateDict: parameters[0].m must be 12 finite numbers (the parameter's size)",
    );
    expect(other.stateDict().parameters.every((p) => p === null)).toBe(true);
    expect(before.parameters.every((p) => p === null)).toBe(true);
    expect(() => fit(net, { x, y }, { loss: mse, optimizer: adam, epochs: 2, initialEpoch: 2 })).toThrow(
      'fit: expected initialEpoch to be an integer in [0, 2), got 2',
    );
  });

  // a model with dropout: its masks come from a generator that the model's file saves
  const dropoutSpec = {
    inputs: 2,
    layers: [
      { units: 8, activation: 'tanh' as const },
      { kind: 'dropout' as const, rate: 0.3 },
      { units: 1, activation: 'sigmoid' as const },
    ],
    seed: 5,
  };

  test('without the dropout generator, the resumed run differs: the saved state is what makes it exact', () => {
    const straight = sequential(dropoutSpec);
    const optimizer = new SGD(straight.parameters(), { lr: 0.3 });
    fit(straight, { x, y }, { loss: mse, optimizer, epochs: 4, batchSize: 4 });
    const first = sequential(dropoutSpec);
    const firstOptimizer = new SGD(first.parameters(), { lr: 0.3 });
    fit(first, { x, y }, { loss: mse, optimizer: firstOptimizer, epochs: 2, batchSize: 4 });
    const json = first.toJSON();
    const withoutRng = { ...json, layers: json.layers.map((l) => ('rng' in l ? {} : l)) };
    const run = (saved: unknown) => {
      const net = loadModel(saved);
      const opt = new SGD(net.parameters(), { lr: 0.3 });
      fit(net, { x, y }, { loss: mse, optimizer: opt, epochs: 4, batchSize: 4, initialEpoch: 2 });
      return weights(net);
    };
    expect(run(json)).toEqual(weights(straight));
    expect(run(withoutRng)).not.toEqual(weights(straight));
  });

  test('a training state loads all or nothing: of another model, or a model file for a sidecar, is refused', () => {
    const net = mlp(spec);
    const optimizer = new Adam(net.parameters(), { lr: 0.05 });
    const schedule = new StepLR(optimizer, { stepSize: 2 });
    fit(net, { x, y }, { loss: mse, optimizer, epochs: 3, callbacks: [schedule] });
    const json = trainingStateToJSON(optimizer, [schedule]);
    const bytes = trainingStateToSafetensors(optimizer, [schedule]);

    const other = mlp({ ...spec, inputs: 3 });
    const otherOptimizer = new Adam(other.parameters(), { lr: 0.05 });
    const otherSchedule = new StepLR(otherOptimizer, { stepSize: 2 });
    const before = [otherOptimizer.stateDict(), otherSchedule.stateDict()];
    for (const saved of [json, bytes])
      expect(() => loadTrainingState(saved, otherOptimizer, [otherSchedule])).toThrow(
        "Adam.loadStateDict: parameters[0].m must be 12 finite numbers (the parameter's size)",
      );
    expect([otherOptimizer.stateDict(), otherSchedule.stateDict()]).toEqual(before);

    // the optimizer fits but the schedule part does not: the optimizer is put back
    const same = mlp(spec);
    const sameOptimizer = new Adam(same.parameters(), { lr: 0.05 });
    const plateau = new ReduceLROnPlateau(sameOptimizer, { monitor: 'loss' });
    const untouched = sameOptimizer.stateDict();
    expect(() => loadTrainingState(json, sameOptimizer, [plateau])).toThrow(
      'ReduceLROnPlateau.loadStateDict',
    );
    expect(sameOptimizer.stateDict()).toEqual(untouched);
    expect(() => loadTrainingState(json, sameOptimizer)).toThrow(
      'loadTrainingState: the state has 1 schedule(s), and 0 were given to load them into',
    );
    expect(() => loadTrainingState(toSafetensors(same), sameOptimizer)).toThrow(
      'loadTrainingState: these safetensors hold "pt", not a training state (a model\'s file?',
    );
    // and the right one loads, from either form, to the same state
    for (const saved of [json, bytes, JSON.stringify(json)]) {
      const again = new Adam(mlp(spec).parameters(), { lr: 0.05 });
      const s = new StepLR(again, { stepSize: 2 });
      loadTrainingState(saved, again, [s]);
      expect(again.stateDict()).toEqual(optimizer.stateDict());
      expect(s.stateDict()).toEqual(schedule.stateDict());
    }
  });
});
