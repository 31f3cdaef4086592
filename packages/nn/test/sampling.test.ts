import { compile, Rng, Tensor, tensor } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import {
  AdamW,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  MultiHeadAttention,
  sample,
  softmaxCrossEntropy,
} from '../src/index.js';

describe('sample', () => {
  test('draws each token about as often as softmax(logits / temperature) says, the same per seed', () => {
    const logits = tensor([1, 2, 0.5, -1]);
    for (const temperature of [1, 0.5, 2]) {
      const rng = new Rng(1);
      const counts = [0, 0, 0, 0];
      const n = 20_000;
      for (let i = 0; i < n; i++) counts[sample(logits, { rng, temperature })[0]!]!++;
      const e = [1, 2, 0.5, -1].map((l) => Math.exp(l / temperature));
      const total = e.reduce((a, b) => a + b, 0);
      // within 4 standard deviations of a binomial count, for every token
      e.forEach((w, k) => {
        const p = w / total;
        expect(Math.abs(counts[k]! - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)) + 1);
      });
    }
    const draw = (seed: number) =>
      sample(
        tensor([
          [0, 1, 2],
          [2, 1, 0],
        ]),
        { rng: new Rng(seed) },
      );
    expect(draw(7)).toEqual(draw(7));
  });

  test('topK keeps the k largest: topK 1 is the argmax; topK 2 never draws the others', () => {
    const rng = new Rng(3);
    const logits = tensor([0.1, 3, 2.9, -2, 1]);
    for (let i = 0; i < 200; i++) {
      expect(sample(logits, { rng, topK: 1 })).toEqual([1]);
      expect([1, 2]).toContain(sample(logits, { rng, topK: 2 })[0]);
    }
    expect(() => sample(logits, { rng, topK: 6 })).toThrow(
      'sample: expected topK to be an integer in [1, 5], got 6',
    );
    expect(() => sample(logits, { rng, temperature: 0 })).toThrow(
      'sample: expected a temperature > 0, got 0',
    );
  });
});

/** A tiny GPT as the blocks compose it: token and position embeddings, pre-norm residual blocks, a tied head. */
class Block extends Module {
  ln1: LayerNorm;
  attn: MultiHeadAttention;
  ln2: LayerNorm;
  fc: Linear;
  act = new GELU();
  out: Linear;
  constructor(dim: number, heads: number, rng: Rng) {
    super();
    this.ln1 = new LayerNorm(dim);
    this.attn = new MultiHeadAttention(dim, heads, { causal: true, rng });
    this.ln2 = new LayerNorm(dim);
    const dense = (i: number, o: number) =>
      new Linear(
        tensor(Array.from({ length: o }, () => Array.from({ length: i }, () => 0.2 * rng.normal()))),
        tensor(new Array(o).fill(0)),
      );
    this.fc = dense(dim, 4 * dim);
    this.out = dense(4 * dim, dim);
  }
  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x)));
    return h.add(this.out.forward(this.act.forward(this.fc.forward(this.ln2.forward(h)))));
  }
}

class TinyGPT extends Module {
  tokens: Embedding;
  positions: Embedding;
  blocks: ModuleList<Block>;
  norm: LayerNorm;
  constructor(
    readonly vocabulary: number,
    readonly context: number,
    dim: number,
    rng: Rng,
  ) {
    super();
    this.tokens = new Embedding(vocabulary, dim, { rng });
    this.positions = new Embedding(context, dim, { rng });
    this.blocks = new ModuleList([new Block(dim, 2, rng), new Block(dim, 2, rng)]);
    this.norm = new LayerNorm(dim);
  }
  /**
   * Logits [B, T, V] for token ids [B][T] (plain arrays: under compile the indices are part of the
   * program); the head is the token embedding's transpose (weight tying).
   */
  forward(input: Tensor | number[][]): Tensor {
    const ids = input instanceof Tensor ? (input.toArray() as number[][]) : input;
    const [b, t] = [ids.length, ids[0]!.length];
    let h = this.tokens.forward(ids).add(this.positions.forward(Array.from({ length: t }, (_, i) => i)));
    for (const block of this.blocks) h = block.forward(h);
    return this.norm.forward(h).matmul(this.tokens.weight.transpose()).reshape([b, t, this.vocabulary]);
  }
}

test('the blocks compose into a tiny GPT that learns a sequence, eager and compiled alike, and samples it back', () => {
  const text = 'abcabdabcabd';
  const vocabulary = 4;
  const ids = [...text].map((c) => c.charCodeAt(0) - 97);
  const context = 6;
  const windows = Array.from({ length: ids.length - context }, (_, s) => ids.slice(s, s + context + 1));
  const x = windows.map((w) => w.slice(0, context));
  const y = windows.flatMap((w) => w.slice(1));
  const make = () => new TinyGPT(vocabulary, context, 8, new Rng(0));
  const [eager, traced] = [make(), make()];
  expect(eager.namedParameters().filter(([n]) => n.includes('weight')).length).toBe(2 + 2 * 6 + 1);
  const stepOf = (model: TinyGPT) => {
    const optimizer = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0.01 });
    return () => {
      optimizer.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(x).reshape([y.length, vocabulary]), y);
      loss.backward();
      optimizer.step();
      return loss;
    };
  };
  const [a, b] = [stepOf(eager), compile(stepOf(traced))];
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    const [la, lb] = [a().item(), b().item()];
    expect(lb).toBe(la);
    losses.push(la);
  }
  expect(losses.at(-1)!).toBeLessThan(0.1 * losses[0]!);
  // greedy continuation of "abcab" follows the pattern it learned: the next is 'c' or 'd', then 'a'
  eager.eval();
  const rng = new Rng(5);
  const out = [0, 1, 2, 0, 1];
  for (let i = 0; i < 4; i++) {
    const window = out.slice(-context);
    const logits = eager
      .forward([window])
      .slice(1, window.length - 1, window.length)
      .reshape([vocabulary]);
    out.push(sample(logits, { rng, topK: 1 })[0]!);
  }
  expect([2, 3]).toContain(out[5]);
  expect(out[6]).toBe(0);
  expect(out[7]).toBe(1);
});
