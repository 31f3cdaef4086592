import { tensor } from '@adjoint/autograd';
import { loadModel, mlp, scalarMlp } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

const spec = {
  inputs: 2,
  layers: [
    { units: 3, activation: 'tanh' as const },
    { units: 2, activation: 'softmax' as const },
  ],
  seed: 4,
};
const X = [
  [0.5, -1],
  [2, 0.25],
];

describe('save and load', () => {
  test('save → load gives identical predictions, on either engine and across them', () => {
    const net = mlp(spec);
    const snet = scalarMlp(spec);
    const before = Array.from(net.forward(tensor(X)).data);
    expect(Array.from(loadModel(JSON.stringify(net)).forward(tensor(X)).data)).toEqual(before);
    expect(Array.from(loadModel(net.toJSON()).forward(tensor(X)).data)).toEqual(before);
    const scalar = loadModel(JSON.stringify(net), { engine: 'scalar' });
    expect(X.flatMap((x) => scalar.forward(x).map((v) => v.data))).toEqual(before);
    expect(JSON.stringify(snet)).toBe(JSON.stringify(net));
  });

  test('a trained parameter survives the round trip', () => {
    const net = mlp(spec);
    net.parameters()[0]!.data[0] = 1.234567890123;
    expect(loadModel(net.toJSON()).parameters()[0]!.data[0]).toBe(1.234567890123);
  });

  test('a malformed or mismatched file throws an Error naming the field', () => {
    const good = JSON.parse(JSON.stringify(mlp(spec)));
    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary JSON to break it
    const edit = (f: (json: any) => void) => {
      const copy = JSON.parse(JSON.stringify(good));
      f(copy);
      return copy;
    };
    expect(() => loadModel('{not json')).toThrow('loadModel: the text is not JSON');
    expect(() => loadModel(edit((j) => (j.format = 'onnx')))).toThrow(
      'loadModel: format: expected "adjoint.mlp" or "adjoint.model", got the string "onnx"',
    );
    expect(() => loadModel(edit((j) => (j.version = 2)))).toThrow('loadModel: version: expected 1, got 2');
    expect(() => loadModel(edit((j) => (j.spec.layers[1].units = 0)))).toThrow(
      'spec.layers[1].units: expected a positive integer, got 0',
    );
    expect(() => loadModel(edit((j) => j.layers.pop()))).toThrow(
      'loadModel: layers: expected 2 layers as the spec says, got an array of length 1',
    );
    expect(() => loadModel(edit((j) => j.layers[1].weight[0].push(1)))).toThrow(
      'loadModel: layers[1].weight[0]: expected an array of length 3, got an array of length 4',
    );
    expect(() => loadModel(edit((j) => (j.layers[0].bias[2] = 'x')))).toThrow(
      'loadModel: layers[0].bias[2]: expected a finite number, got the string "x"',
    );
    expect(() => loadModel(edit((j) => (j.layers[0].bias[2] = Number.NaN)))).toThrow(
      'loadModel: layers[0].bias[2]: expected a finite number, got NaN',
    );
    expect(() => loadModel(edit((j) => (j.extra = 1)))).toThrow('loadModel: unknown field "extra"');
    expect(() => loadModel(null)).toThrow('loadModel: expected a model object, got null');
  });
});

describe('a hostile file', () => {
  const good = () => JSON.parse(JSON.stringify(mlp(spec)));

  test('keys like __proto__ and constructor are refused at every level, and nothing is polluted', () => {
    const text = JSON.stringify(good());
    const poison = '"__proto__":{"polluted":true},';
    const at = (marker: string, fromEnd = false) => {
      const i = (fromEnd ? text.lastIndexOf(marker) : text.indexOf(marker)) + marker.length;
      return text.slice(0, i) + poison + text.slice(i);
    };
    for (const [where, json, message] of [
      ['top', at('{'), 'loadModel: unknown field "__proto__"'],
      [
        'spec',
        text.replace('"spec":{', '"spec":{"constructor":{"prototype":{"polluted":true}},'),
        'loadModel: spec: unknown field "constructor"',
      ],
      ['a layer of the spec', at('"layers":[{'), 'spec.layers[0].__proto__: unknown field'],
      ['a layer of parameters', at('"layers":[{', true), 'loadModel: layers[0]: unknown field "__proto__"'],
    ] as const) {
      expect(() => loadModel(json), where).toThrow(message);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('fields inherited through a prototype are not read', () => {
    const inherited = Object.create(good());
    expect(() => loadModel(inherited)).toThrow('loadModel: expected a model object, got');
  });

  test('an absurd size in the spec allocates nothing: the data it would need is not there', () => {
    const json = good();
    json.spec.inputs = 1e12;
    expect(() => loadModel(json)).toThrow(
      'spec.layers[0].units: a weight of 3 × 1000000000000 = 3000000000000 elements; a tensor holds at most',
    );
  });

  test('loadState into an existing model applies all or nothing', () => {
    const net = mlp(spec);
    const before = net.parameters().map((p) => p.toArray());
    const other = mlp({ ...spec, seed: 99 }).toJSON() as unknown as { layers: { bias: unknown[] }[] };
    const broken = JSON.parse(JSON.stringify(other));
    broken.layers[1].bias[1] = 'oops'; // the last number of the file
    expect(() => net.loadState(broken)).toThrow(
      'loadModel: layers[1].bias[1]: expected a finite number, got the string "oops"',
    );
    expect(net.parameters().map((p) => p.toArray())).toEqual(before);
    expect(() =>
      net.loadState(
        mlp({
          ...spec,
          layers: [
            { units: 4, activation: 'tanh' },
            { units: 2, activation: 'softmax' },
          ],
        }).toJSON(),
      ),
    ).toThrow('loadState: layer 0 is 4 tanh units in the file, 3 tanh in the model');
    net.loadState(JSON.stringify(other));
    expect(net.parameters()[0]!.toArray()).toEqual(
      mlp({ ...spec, seed: 99 })
        .parameters()[0]!
        .toArray(),
    );
    const snet = scalarMlp(spec);
    snet.loadState(other);
    expect(snet.parameters()[0]!.data).toBe(net.parameters()[0]!.data[0]);
  });
});
