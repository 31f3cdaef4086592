/**
 * The training panel without the page: a trainer that runs @adjoint/nn's fitAsync on a configuration's
 * data and network, and the snapshots of it that the page draws.
 */
import { grad, noGrad, Rng, type Tensor, tensor, zeros } from '@adjoint/autograd';
import {
  Activation,
  Adam,
  accuracy,
  binaryCrossEntropy,
  Dataset,
  fitAsync,
  Linear,
  type LossOptions,
  mlp,
  mse,
  predict,
  type Sequential,
  SGD,
} from '@adjoint/nn';
import { featurize, type TrainConfig } from './config.js';
import { dataset, isRegression } from './datasets.js';
import { gridCells, MAP_CELLS, type NeuronBars, OUTPUT_CELLS, rSquared, type Snapshot } from './snapshot.js';

/** Mini-batches between two measurements of the loss and accuracy over all the points. */
export const MEASURE_EVERY = 10;

/** What `Trainer.train` takes: when to stop (all optional; without any, it runs until aborted). */
export interface TrainOptions {
  /** Stop after this many mini-batches. */
  readonly batches?: number;
  /** Stop once this says so; asked after every measurement. */
  readonly until?: () => boolean;
  /** Stop after the current mini-batch once aborted (the pause button). */
  readonly signal?: { readonly aborted: boolean };
}

/** A run: the data, the model, the optimizer, and the history of losses and scores. */
export class Trainer {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly points: ReturnType<typeof dataset>;
  /**
   * The model the page sees: the one trained, or, for a run on the GPU, its copy on the CPU, brought up
   * to date after every MEASURE_EVERY mini-batches (what the views read is read synchronously).
   */
  readonly model: Sequential;
  /** The model trained on the GPU (a run on the CPU trains `model` itself). */
  readonly #onDevice: Sequential | null;
  /** Whether the targets are numbers (a linear output, mse) rather than classes (a sigmoid output). */
  readonly regression: boolean;
  readonly losses: number[] = [];
  /** At each measurement: the accuracy (classes), or R² = 1 − Σ(y − p)² / Σ(y − ȳ)² (regression). */
  readonly scores: number[] = [];
  /** The mini-batch count at each measurement. */
  readonly measuredAt: number[] = [];
  /** Mini-batches trained so far. */
  steps = 0;
  readonly #optimizer: SGD | Adam;
  /**
   * Where training stands: the epoch, the mini-batch within it, and the order of its rows. Each epoch's
   * order is the one before it shuffled by one generator, as fit shuffles; a run stopped mid-epoch goes
   * on, at the next call, with that epoch's next mini-batch. The state is a function of the
   * configuration and the step count alone, so a link with both reproduces it.
   */
  #epoch = 0;
  #batch = 0;
  #shuffled = -1;
  readonly #order: number[];
  readonly #rng: Rng;
  #lastBatch: { readonly x: Tensor; readonly y: Tensor } | null = null;

  constructor(readonly config: TrainConfig) {
    this.points = dataset(config.data, 200, config.noise, config.seed);
    this.regression = isRegression(config.data);
    if (this.regression && config.loss !== 'mse')
      throw new Error(
        `loss '${config.loss}' needs two classes; data '${config.data}' has a number at each point: use 'mse'`,
      );
    // on the GPU in float32 (what WebGPU holds), with the page's copy in float32 too
    const dtype = config.device === 'webgpu' ? 'float32' : 'float64';
    this.x = tensor(featurize(this.points.x, config.features), { dtype });
    this.y = tensor(
      this.points.y.map((v) => [v]),
      { dtype },
    );
    const spec = {
      inputs: config.features.length,
      layers: [
        ...config.layers.map((units) => ({ units, activation: config.activation })),
        { units: 1, activation: this.regression ? ('linear' as const) : ('sigmoid' as const) },
      ],
      seed: config.seed,
    };
    this.model = mlp(spec, { dtype });
    this.#onDevice = config.device === 'cpu' ? null : mlp(spec, { dtype, device: config.device });
    const parameters = (this.#onDevice ?? this.model).parameters();
    this.#optimizer =
      config.optimizer === 'adam'
        ? new Adam(parameters, { lr: config.lr })
        : new SGD(parameters, { lr: config.lr });
    this.#order = Array.from({ length: this.points.y.length }, (_, i) => i);
    this.#rng = new Rng(config.seed + 1);
  }

  /** Whole epochs trained so far. */
  get epochs(): number {
    return this.#epoch;
  }

  /**
   * Trains with fitAsync (mini-batches of the configured size, reshuffled every epoch from the seed),
   * measuring every MEASURE_EVERY mini-batches, until a stop of `options` holds.
   */
  async train(options: TrainOptions = {}): Promise<void> {
    const { batches = Number.POSITIVE_INFINITY, until, signal } = options;
    if (this.#onDevice !== null) return this.#trainOnDevice(batches, until, signal);
    let done = 0;
    await this.#fit(this.model, signal, (context) => {
      done++;
      const measured = this.steps % MEASURE_EVERY === 0;
      if (measured) this.measure();
      if (done >= batches || (measured && until?.() === true)) context.stopTraining('done');
    });
  }

  /**
   * Training on the GPU: MEASURE_EVERY mini-batches at a time (fewer to reach a stop), each stretch
   * followed by the CPU copy brought up to date (an asynchronous read of the GPU) and the measurement,
   * so that what the page draws and records at a measurement is the model of that step.
   */
  async #trainOnDevice(
    batches: number,
    until: TrainOptions['until'],
    signal: TrainOptions['signal'],
  ): Promise<void> {
    let done = 0;
    while (done < batches && signal?.aborted !== true) {
      const stretch = Math.min(MEASURE_EVERY - (this.steps % MEASURE_EVERY), batches - done);
      let ran = 0;
      await this.#fit(this.#onDevice!, signal, (context) => {
        if (++ran === stretch) context.stopTraining('done');
      });
      done += ran;
      await this.#copyFromDevice();
      if (this.steps % MEASURE_EVERY === 0) {
        this.measure();
        if (until?.() === true) return;
      }
      if (ran < stretch) return; // stopped by the signal
    }
  }

  /** The CPU copy takes the GPU model's parameters. */
  async #copyFromDevice(): Promise<void> {
    const from = this.#onDevice!.parameters();
    const values = await Promise.all(from.map((p) => p.dataAsync()));
    this.model.parameters().forEach((p, i) => {
      (p.data as Float32Array).set(values[i]!);
    });
    this.#copiedBatch = this.#lastBatch;
  }

  /** fitAsync on `model` from where training stands; `afterBatch` runs after each mini-batch's step. */
  #fit(
    model: Sequential,
    signal: TrainOptions['signal'],
    afterBatch: (context: { stopTraining(reason: string): void }) => void,
  ): Promise<unknown> {
    const lossOf = this.config.loss === 'bce' ? binaryCrossEntropy : mse;
    const perEpoch = Math.ceil(this.#order.length / this.config.batch);
    return fitAsync(
      model,
      Dataset.from(() => this.#rest()),
      {
        loss: (p: Tensor, t: Tensor, o?: LossOptions) => lossOf(p, t, o),
        optimizer: this.#optimizer,
        epochs: Number.MAX_SAFE_INTEGER,
        yieldEvery: 8,
        ...(signal === undefined ? {} : { signal }),
        callbacks: [
          {
            onBatchEnd: (_batch, _logs, context) => {
              this.steps++;
              if (++this.#batch === perEpoch) [this.#epoch, this.#batch] = [this.#epoch + 1, 0];
              afterBatch(context);
            },
          },
        ],
      },
    );
  }

  /** The current epoch's mini-batches from where training stands (one of fitAsync's passes). */
  *#rest(): Generator<{ x: Tensor; y: Tensor }> {
    const epoch = this.#epoch;
    if (this.#shuffled < epoch) {
      this.#rng.shuffle(this.#order);
      this.#shuffled = epoch;
    }
    const [x, y] = [this.x.toArray() as number[][], this.y.toArray() as number[][]];
    const size = this.config.batch;
    const { dtype } = this.x;
    for (let start = this.#batch * size; start < this.#order.length; start += size) {
      const rows = this.#order.slice(start, start + size);
      const batch = {
        x: tensor(
          rows.map((r) => x[r]!),
          { dtype },
        ),
        y: tensor(
          rows.map((r) => y[r]!),
          { dtype },
        ),
      };
      // fit takes the next batch only after this one's step: the last yielded is the last trained
      this.#lastBatch = batch;
      yield batch;
    }
  }

  /** The loss and the score (accuracy, or R² for regression) over all the points, recorded in the history. */
  measure(): { loss: number; score: number } {
    const p = predict(this.model, this.x);
    const loss = (this.config.loss === 'bce' ? binaryCrossEntropy(p, this.y) : mse(p, this.y)).item();
    const result = { loss, score: this.regression ? rSquared(p.data, this.points.y) : accuracy(p, this.y) };
    this.losses.push(result.loss);
    this.scores.push(result.score);
    this.measuredAt.push(this.steps);
    return result;
  }

  /**
   * The model's output on a size × size grid over [-1.8, 1.8]², row by row from the top: the probability
   * of class 1, or the number predicted.
   */
  grid(size: number): Float64Array {
    const cells = tensor(featurize(gridCells(size), this.config.features), { dtype: this.x.dtype });
    return Float64Array.from(predict(this.model, cells).data);
  }

  /**
   * What each neuron responds to over the input plane: for every layer (hidden ones, then the output),
   * every unit's activation at each cell of the size × size grid of `grid`, row by row from the top.
   */
  neuronMaps(size: number): Float64Array[][] {
    const mode = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => {
        let h = tensor(featurize(gridCells(size), this.config.features), { dtype: this.x.dtype });
        const layers: Float64Array[][] = [];
        for (const module of this.model.modules) {
          h = module.forward(h);
          // after each layer's activation: its units' outputs, one map per column
          if (!(module instanceof Activation)) continue;
          const [cells, units] = h.shape as [number, number];
          const data = h.data;
          layers.push(
            Array.from({ length: units }, (_, u) => {
              const map = new Float64Array(cells);
              for (let i = 0; i < cells; i++) map[i] = data[i * units + u]!;
              return map;
            }),
          );
        }
        return layers;
      });
    } finally {
      this.model.train(mode);
    }
  }

  /**
   * The mini-batch of the last step (null before the first), whose bars the network view shows; for a
   * run on the GPU, of the last step the CPU copy has taken (its bars are that model's).
   */
  get lastBatch(): { readonly x: Tensor; readonly y: Tensor } | null {
    return this.#onDevice === null ? this.#lastBatch : this.#copiedBatch;
  }

  /** The mini-batch of the step the CPU copy took the GPU's parameters at. */
  #copiedBatch: { readonly x: Tensor; readonly y: Tensor } | null = null;

  /**
   * Each neuron's bars on the mini-batch of the last step (null before the first): for every layer and
   * unit, the sums over the batch's samples of the bar of its output h̄ = ∂loss/∂h and of its
   * pre-activation z̄ = ∂loss/∂z (which is its bias's gradient, b̄ = Σ z̄). Computed by `grad` with
   * respect to zero shifts added to each z and each h, so nothing of the run (the parameters' gradients
   * included, which a step in progress may hold) is touched.
   */
  neuronBars(): NeuronBars | null {
    const batch = this.lastBatch;
    if (batch === null) return null;
    const modules = this.model.modules;
    const linears = modules.filter((m): m is Linear => m instanceof Linear);
    const rows = batch.x.shape[0]!;
    // one zero shift per z and per h (distinct tensors: each its own input)
    const shifts = [...linears, ...linears].map((m) =>
      zeros([rows, m.weight.shape[0]!], { dtype: this.x.dtype }),
    );
    const loss = (...args: Tensor[]) => {
      let h = batch.x;
      let l = 0;
      for (const module of modules) {
        h = module.forward(h);
        // z + s after each Linear, h + t after its activation: the bars of s and t are z̄ and h̄
        if (module instanceof Linear) h = h.add(args[l]!);
        else h = h.add(args[linears.length + l++]!);
      }
      return (this.config.loss === 'bce' ? binaryCrossEntropy : mse)(h, batch.y);
    };
    const bars = grad(
      loss,
      shifts.map((_, i) => i),
    )(...shifts) as Tensor[];
    const sums = (t: Tensor) => {
      const [count, units] = t.shape as [number, number];
      return Array.from({ length: units }, (_, u) => {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += t.data[i * units + u]!;
        return sum;
      });
    };
    const layers = linears.map((_, l) => {
      const [z, h] = [sums(bars[l]!), sums(bars[linears.length + l]!)];
      return z.map((zBar, u) => ({ h: h[u]!, z: zBar }));
    });
    return { samples: rows, layers };
  }

  /** What the page draws of the run now. */
  snapshot(): Snapshot {
    return {
      config: this.config,
      regression: this.regression,
      points: this.points,
      steps: this.steps,
      epochs: this.epochs,
      losses: [...this.losses],
      scores: [...this.scores],
      measuredAt: [...this.measuredAt],
      grid: this.grid(OUTPUT_CELLS),
      maps: this.neuronMaps(MAP_CELLS),
      bars: this.neuronBars(),
      weights: this.weights(),
      biases: this.model.modules
        .filter((m): m is Linear => m instanceof Linear)
        .map((m) => Array.from(m.bias!.data)),
    };
  }

  /** The weights into each layer: weights[l][unit][input], as the network view draws its edges. */
  weights(): number[][][] {
    return this.model.modules
      .filter((m): m is Linear => m instanceof Linear)
      .map((m) => m.weight.toArray() as number[][]);
  }
}
