// summary(model): what Keras's model.summary() and torchinfo print — each layer, the shape it gives one
// sample, its parameter count — as a table of plain text, on either engine.
import { internal, noGrad, type Tensor, zeros } from '@adjoint/autograd';
import type { Model } from './model.js';
import { ScalarMLP } from './scalar.js';
import { Sequential } from './sequential.js';

const { checkOptions, describe, formatShape } = internal;

/** Options of `summary`. */
export interface SummaryOptions {
  /**
   * The shape of one input sample ([features] or [channels, height, width]), for a model built from
   * modules rather than a spec; a spec-built model knows its own.
   */
  readonly inputShape?: readonly number[];
}

/** One row of a summary. */
export interface SummaryRow {
  /** '0', '1', … as the parameters' names number them. */
  readonly name: string;
  /** The layer as the model prints it: `Linear(in=2, out=8)`. */
  readonly layer: string;
  /** The shape of one sample after the layer ([] when not known). */
  readonly outputShape: readonly number[];
  readonly parameters: number;
}

/** What `summary` gives: the rows, the total, and the table as text. */
export interface ModelSummary {
  readonly rows: readonly SummaryRow[];
  /** The parameters of every layer together. */
  readonly parameters: number;
  /** The table, as Keras and torchinfo print one. */
  toString(): string;
}

/**
 * Each layer of `model`, the shape it gives one sample and its parameter count, then the totals, as a
 * table (its rows also as `rows`, and the total as `parameters`). Shapes come from one forward pass of a
 * zero sample, without recording and in evaluation mode; the model is left as it was.
 */
export function summary(
  // biome-ignore lint/suspicious/noExplicitAny: a summary serves models of any output and target type
  model: Model<any, any>,
  options: SummaryOptions = {},
): ModelSummary {
  checkOptions('summary', options, ['inputShape']);
  let rows: SummaryRow[];
  if (model instanceof ScalarMLP) {
    rows = model.layers.map((layer, i) => ({
      name: String(i),
      layer: `Layer(${layer.neurons[0]!.w.length} → ${layer.neurons.length} ${model.spec.layers[i]!.activation})`,
      outputShape: [layer.neurons.length],
      parameters: layer.parameters().length,
    }));
  } else if (model instanceof Sequential) {
    const given = options.inputShape;
    const spec = model.spec?.inputs;
    const input = given ?? (spec === undefined ? undefined : Array.isArray(spec) ? spec : [spec as number]);
    if (
      input !== undefined &&
      (!Array.isArray(input) || input.some((d) => !Number.isSafeInteger(d) || d < 1))
    )
      throw new TypeError(
        `summary: expected inputShape to be a list of positive sizes, got ${describe(input)}`,
      );
    const shapes = input === undefined ? null : sampleShapes(model, input);
    rows = model.modules.map((m, i) => ({
      name: String(i),
      layer: String(m),
      outputShape: shapes?.[i] ?? [],
      parameters: m.parameters().reduce((n, p) => n + p.size, 0),
    }));
  } else
    throw new TypeError(`summary: expected a model (sequential, mlp or scalarMlp), got ${describe(model)}`);
  const parameters = rows.reduce((n, r) => n + r.parameters, 0);
  return { rows, parameters, toString: () => table(rows, parameters) };
}

/** The shape of one sample after each module: a forward pass of one zero sample, recording nothing. */
function sampleShapes(model: Sequential, input: readonly number[]): number[][] {
  const mode = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const dtype = model.parameters()[0]?.dtype ?? 'float64';
      let h: Tensor = zeros([1, ...input], { dtype });
      return model.modules.map((m) => {
        h = m.forward(h);
        return h.shape.slice(1);
      });
    });
  } finally {
    model.train(mode);
  }
}

function table(rows: readonly SummaryRow[], total: number): string {
  const cells = [
    ['#', 'Layer', 'Output shape', 'Parameters'],
    ...rows.map((r) => [
      r.name,
      r.layer,
      r.outputShape.length === 0 ? '?' : formatShape(r.outputShape),
      r.parameters.toLocaleString('en-US'),
    ]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const line = (row: readonly string[]) =>
    row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(cells[0]!),
    rule,
    ...cells.slice(1).map(line),
    rule,
    `Total parameters: ${total.toLocaleString('en-US')}`,
  ].join('\n');
}
