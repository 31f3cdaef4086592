import type { Sequential } from '@adjoint/nn';
import type { Figure } from './plot';

/** Options every example accepts (each picks the ones that apply to it). */
export interface RunOptions {
  readonly epochs?: number;
  readonly seed?: number;
  readonly engine?: 'scalar' | 'tensor';
  /** A short run for the test suite. */
  readonly quick?: boolean;
  /** Called as training advances. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What every example returns besides its own numbers. */
export interface ExampleOutput {
  /** The result in one line, for the summary table. */
  readonly headline: string;
  /** What the CLI prints. */
  readonly report: readonly string[];
  /** The trained Tensor-engine model, where the run trains one: what `--save` writes. */
  readonly model?: Sequential;
  /** Its pictures, rendered on request. */
  readonly figures: () => Promise<Figure[]>;
}

/** An entry of the tour. */
export interface Example {
  readonly name: string;
  readonly title: string;
  /** The note it brings to life (see docs/derivations.md). */
  readonly note: string;
  /** Which of --epochs, --seed, --engine, --save it reads (--save: it trains a Tensor-engine model). */
  readonly flags: readonly ('epochs' | 'seed' | 'engine' | 'save')[];
  readonly run: (options: RunOptions) => ExampleOutput;
  /** The options the demo tour runs it with, where they differ from the full run (`example <name>`). */
  readonly tour?: RunOptions;
}

/** Fixed-width number formatting for the printed tables. */
export function fmt(x: number, digits = 4, width = 10): string {
  return x.toFixed(digits).padStart(width);
}
