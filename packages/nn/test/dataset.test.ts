import { type Tensor, tensor } from '@adjoint/autograd';
import { type Batch, Dataset, fit, fitAsync, mlp, mse, SGD, softmaxCrossEntropy } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// Dataset: data that streams (issue 31, item 3). A streamed dataset trains to the same weights as the
// same rows in memory; shuffle, batch, take and repeat do what tf.data's do; CSV arrives line by line.
const rows = Array.from({ length: 23 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 5) / 5]);
const labels = rows.map(([a, b, c]) => [a! + b! - c! > 0 ? 1 : 0]);
const spec = {
  inputs: 3,
  layers: [
    { units: 5, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 11,
};
const weights = (net: { parameters(): unknown[] }) =>
  net.parameters().map((p) => Array.from((p as Tensor).data));
const samples = () => Dataset.from(() => rows.map((x, i) => ({ x, y: labels[i]! })));

describe('Dataset', () => {
  test.each([false, true])(
    'a streamed dataset trains to the same weights as the same rows in memory, bit for bit (compile: %s)',
    (compile) => {
      const inMemory = mlp(spec);
      const streamed = mlp(spec);
      const common = { loss: mse, epochs: 4, compile };
      const a = fit(
        inMemory,
        { x: rows, y: labels },
        {
          ...common,
          optimizer: new SGD(inMemory.parameters(), { lr: 0.3, momentum: 0.9 }),
          batchSize: 5,
          shuffle: false,
        },
      );
      const b = fit(streamed, samples().batch(5), {
        ...common,
        optimizer: new SGD(streamed.parameters(), { lr: 0.3, momentum: 0.9 }),
      });
      expect(b.loss).toEqual(a.loss);
      expect(weights(streamed)).toEqual(weights(inMemory));
      // the training changed the weights: the equality above is not of two untouched models
      expect(weights(streamed)).not.toEqual(weights(mlp(spec)));
    },
  );

  test('with the epoch’s accuracy as it trained, and a validation Dataset scored like validation samples', () => {
    const a = mlp(spec);
    const b = mlp(spec);
    // an optimizer that does not move the model: the running accuracy equals the accuracy after the epoch
    const options = (_net: typeof a) => ({
      loss: mse,
      optimizer: { step() {}, zeroGrad() {} },
      epochs: 2,
      metrics: ['accuracy' as const],
    });
    const held = { x: rows.slice(0, 9), y: labels.slice(0, 9) };
    const inMemory = fit(a, { x: rows, y: labels }, { ...options(a), batchSize: 4, validation: held });
    const heldStream = Dataset.from(() => held.x.map((x, i) => ({ x, y: held.y[i]! }))).batch(4);
    const streamed = fit(b, samples().batch(4), { ...options(b), validation: heldStream });
    expect(streamed.accuracy).toEqual(inMemory.accuracy);
    expect(streamed.valAccuracy).toEqual(inMemory.valAccuracy);
    expect(streamed.valLoss![0]).toBeCloseTo(inMemory.valLoss![0]!, 14);
    expect(streamed.accuracy![0]).toBeGreaterThan(0);
  });

  test('shuffle: a seeded buffer; every pass a new order, the same orders from the same seed', () => {
    const numbers = Dataset.from(Array.from({ length: 10 }, (_, i) => i));
    const shuffled = numbers.shuffle(4, { seed: 5 });
    const first = [...shuffled];
    const second = [...shuffled];
    expect([...first].sort((p, q) => p - q)).toEqual([...numbers]);
    expect([...second].sort((p, q) => p - q)).toEqual([...numbers]);
    expect(second).not.toEqual(first);
    const again = numbers.shuffle(4, { seed: 5 });
    expect([...again]).toEqual(first);
    expect([...again]).toEqual(second);
    // a buffer as long as the data: a uniform permutation of three items, each order about 1/6 of the time
    const three = Dataset.from([0, 1, 2]).shuffle(3, { seed: 1 });
    const counts = new Map<string, number>();
    for (let pass = 0; pass < 1200; pass++) {
      const key = [...three].join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    for (const n of counts.values()) expect(Math.abs(n - 200)).toBeLessThan(50);
  });

  test('batch stacks numbers, arrays, Tensors and objects of them; the last batch may be short or dropped', () => {
    const items = Dataset.from([0, 1, 2, 3, 4].map((i) => ({ x: [i, -i], y: i, f: new Float32Array([i]) })));
    const batches = [...items.batch(2)];
    expect(batches.map((b) => b.x.shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(Array.from(batches[1]!.x.data)).toEqual([2, -2, 3, -3]);
    expect(batches[0]!.y.shape).toEqual([2]);
    expect(batches[0]!.x.dtype).toBe('float64');
    expect(batches[0]!.f.dtype).toBe('float32');
    expect([...items.batch(2, { dropRemainder: true })]).toHaveLength(2);
    const tensors = [
      ...Dataset.from([
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([
          [5, 6],
          [7, 8],
        ]),
      ]).batch(2),
    ];
    expect(tensors[0]!.shape).toEqual([2, 2, 2]);
    expect(Array.from(tensors[0]!.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('take reads no further than it needs, closes its source, and ends an endless repeat', () => {
    let pulled = 0;
    let closed = 0;
    const counting = Dataset.from(function* () {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed++;
      }
    });
    expect([...counting.take(3)]).toEqual([0, 1, 2]);
    expect(pulled).toBe(3);
    expect(closed).toBe(1);
    expect([...counting.take(0)]).toEqual([]);
    expect(pulled).toBe(3);
    const abc = Dataset.from(['a', 'b', 'c']);
    expect([...abc.repeat(2)]).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect([...abc.repeat().take(7)].join('')).toBe('abcabca');
    expect([...abc.repeat(0)]).toEqual([]);
    expect([...Dataset.from([]).repeat()]).toEqual([]);
    // each pass maps afresh, with the item's index in its pass
    expect([...abc.map((s, i) => `${s}${i}`).repeat(2)]).toEqual(['a0', 'b1', 'c2', 'a0', 'b1', 'c2']);
  });

  test('a batch of another shape mid-epoch is an Error naming both, and it does not train', () => {
    const good = rows.slice(0, 8);
    const stream = Dataset.from(() => [
      { x: good.slice(0, 4), y: labels.slice(0, 4) },
      { x: good.slice(4, 8), y: labels.slice(4, 8) },
      { x: good.slice(0, 4).map((r) => r.slice(0, 2)), y: labels.slice(0, 4) },
    ]);
    const net = mlp(spec);
    const twoBatches = mlp(spec);
    fit(
      twoBatches,
      { x: good, y: labels.slice(0, 8) },
      {
        loss: mse,
        optimizer: new SGD(twoBatches.parameters(), { lr: 0.3 }),
        epochs: 1,
        batchSize: 4,
        shuffle: false,
      },
    );
    expect(() =>
      fit(net, stream, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.3 }), epochs: 1 }),
    ).toThrow(
      "fit: batch 2 of epoch 0: x has shape [4, 2], and the first batch's rows are [3]; every batch's rows need one shape (this batch did not train)",
    );
    // the model is as the two good batches left it
    expect(weights(net)).toEqual(weights(twoBatches));
  });

  test('a generator object runs once: its second epoch is an Error saying to pass a function', () => {
    const net = mlp(spec);
    const once = Dataset.from(
      (function* (): Generator<Batch> {
        yield { x: rows, y: labels };
      })(),
    );
    expect(() =>
      fit(net, once, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2 }),
    ).toThrow('fit: the Dataset gave no batches in epoch 1; a generator object runs once');
  });

  test('an asynchronous dataset is refused by fit, naming fitAsync', () => {
    const net = mlp(spec);
    const later = Dataset.from(async function* () {
      yield { x: rows, y: labels };
    });
    expect(() =>
      fit(net, later, { loss: mse, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1 }),
    ).toThrow('train on it with fitAsync');
  });
});

describe('Dataset.csv', () => {
  const csv = rows.map((r, i) => [...r, labels[i]![0]].join(',')).join('\r\n');
  const asBatches = (d: Dataset<number[]>) =>
    d.map((r) => ({ x: r.slice(0, 3), y: r.slice(3) })).batch(5) as Dataset<Batch>;

  test('rows arrive line by line from chunks split anywhere, even inside a character', () => {
    const bytes = new TextEncoder().encode(`a,b,c,label\n"1.5", 2 ,3,0\n\n4,5,6,1\n# é\n`);
    // chunks of 3 bytes: lines and the two-byte é fall across chunk boundaries
    const chunks = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) =>
      bytes.subarray(3 * i, 3 * i + 3),
    );
    expect(() => [...Dataset.csv(chunks, { skip: 1 })]).toThrow(
      'Dataset.csv: line 5, column 1 is "# é", not a number',
    );
    expect([...Dataset.csv(chunks, { skip: 1 }).take(2)]).toEqual([
      [1.5, 2, 3, 0],
      [4, 5, 6, 1],
    ]);
    expect([...Dataset.csv(['1;2\n3;', '4'], { delimiter: ';' })]).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('a fetch body (a web ReadableStream) trains with fitAsync to the weights of the same rows in memory', async () => {
    // a data: URL, so the same fetch runs in Node and in Chromium, where the body is the browser's stream
    const url = `data:text/csv;charset=utf-8,${encodeURIComponent(`x1,x2,x3,label\n${csv}\n`)}`;
    const fetched = Dataset.csv(
      async function* () {
        const body = (await fetch(url)).body!;
        yield* streamChunks(body);
      },
      { skip: 1 },
    );
    const inMemory = mlp(spec);
    const streamed = mlp(spec);
    const a = fit(
      inMemory,
      { x: rows, y: labels },
      {
        loss: mse,
        optimizer: new SGD(inMemory.parameters(), { lr: 0.5 }),
        epochs: 3,
        batchSize: 5,
        shuffle: false,
      },
    );
    const b = await fitAsync(streamed, asBatches(fetched), {
      loss: mse,
      optimizer: new SGD(streamed.parameters(), { lr: 0.5 }),
      epochs: 3,
    });
    // the CSV's decimal text parses back to the same doubles: the runs agree bit for bit
    expect(b.loss).toEqual(a.loss);
    expect(weights(streamed)).toEqual(weights(inMemory));
    // and a stream handed over as it is, read through its reader
    const got: number[][] = [];
    for await (const row of Dataset.csv(async () => (await fetch(url)).body!, { skip: 1 }) as AsyncIterable<
      number[]
    >)
      got.push(row);
    expect(got).toEqual(rows.map((r, i) => [...r, labels[i]![0]]));
  });

  test('a bad row mid-file is an Error naming its line, from fitAsync too', async () => {
    const net = mlp({ inputs: 3, layers: [{ units: 2 }], seed: 1 });
    const broken = Dataset.csv(() => [`${csv}\n1,2,x,1\n`]);
    await expect(
      fitAsync(net, broken.map((r) => ({ x: [r.slice(0, 3)], y: [[0, 1]] })) as Dataset<Batch>, {
        loss: softmaxCrossEntropy,
        optimizer: new SGD(net.parameters(), { lr: 0.1 }),
        epochs: 1,
      }),
    ).rejects.toThrow('Dataset.csv: line 24, column 3 is "x", not a number');
  });
});

/** A web stream's chunks, read through its reader (a browser's stream may not be async iterable). */
async function* streamChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
}
