/**
 * The floor for the scalar engine: micrograd as a JavaScript developer would write it by hand, one class
 * with a closure per node for its backward step, as Karpathy's Python does. Its topological sort is a
 * loop with an explicit stack instead of micrograd's recursion, which a graph a million nodes deep
 * would overflow. No checks, no labels, no higher-order gradients: what W1 and W5 compare adjoint's
 * `Value` with.
 */
const noop = () => {};

export class MicroValue {
  grad = 0;
  backwardStep: () => void = noop;

  constructor(
    public data: number,
    readonly children: readonly MicroValue[] = [],
  ) {}

  add(other: MicroValue | number): MicroValue {
    const o = other instanceof MicroValue ? other : new MicroValue(other);
    const out = new MicroValue(this.data + o.data, [this, o]);
    out.backwardStep = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  mul(other: MicroValue | number): MicroValue {
    const o = other instanceof MicroValue ? other : new MicroValue(other);
    const out = new MicroValue(this.data * o.data, [this, o]);
    out.backwardStep = () => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    };
    return out;
  }

  relu(): MicroValue {
    const out = new MicroValue(Math.max(0, this.data), [this]);
    out.backwardStep = () => {
      this.grad += (out.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  backward(): void {
    const order: MicroValue[] = [];
    const visited = new Set<MicroValue>();
    const stack: [MicroValue, boolean][] = [[this, false]];
    while (stack.length > 0) {
      const [node, expanded] = stack.pop()!;
      if (expanded) {
        order.push(node);
        continue;
      }
      if (visited.has(node)) continue;
      visited.add(node);
      stack.push([node, true]);
      for (const child of node.children) if (!visited.has(child)) stack.push([child, false]);
    }
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i]!.backwardStep();
  }
}

/** micrograd's MLP: per layer, per neuron, a weight per input and a bias; ReLU on all but the last layer. */
export class MicroMlp {
  readonly layers: { w: MicroValue[]; b: MicroValue }[][];

  /** Weights given per layer as [out][in] and biases [out]: the network adjoint's init drew. */
  constructor(weights: readonly { w: readonly (readonly number[])[]; b: readonly number[] }[]) {
    this.layers = weights.map(({ w, b }) =>
      w.map((row, j) => ({ w: row.map((v) => new MicroValue(v)), b: new MicroValue(b[j]!) })),
    );
  }

  forward(x: readonly number[]): MicroValue {
    let h: (MicroValue | number)[] = [...x];
    this.layers.forEach((layer, l) => {
      h = layer.map(({ w, b }) => {
        // micrograd's sum((wi * xi for ...), self.b): the bias first, then each product added in turn
        let act = b;
        for (let i = 0; i < w.length; i++) act = act.add(w[i]!.mul(h[i]!));
        return l < this.layers.length - 1 ? act.relu() : act;
      });
    });
    return h[0] as MicroValue;
  }

  parameters(): MicroValue[] {
    return this.layers.flatMap((layer) => layer.flatMap(({ w, b }) => [...w, b]));
  }
}

/** micrograd's demo loss: mean(relu(1 − y·score)) + α·Σp², as adjoint's `marginLoss`. */
export function microMarginLoss(
  model: MicroMlp,
  x: readonly (readonly number[])[],
  signs: readonly number[],
  alpha: number,
): MicroValue {
  let data = new MicroValue(0);
  x.forEach((p, i) => {
    data = data.add(model.forward(p).mul(-signs[i]!).add(1).relu());
  });
  let reg = new MicroValue(0);
  for (const p of model.parameters()) reg = reg.add(p.mul(p));
  return data.mul(1 / x.length).add(reg.mul(alpha));
}

/** One SGD step of the demo, as micrograd's notebook runs it: zero, forward, backward, update. */
export function microStep(
  model: MicroMlp,
  x: readonly (readonly number[])[],
  signs: readonly number[],
  lr: number,
): number {
  const params = model.parameters();
  for (const p of params) p.grad = 0;
  const loss = microMarginLoss(model, x, signs, 1e-4);
  loss.backward();
  for (const p of params) p.data -= lr * p.grad;
  return loss.data;
}
