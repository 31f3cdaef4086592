// Dataset: data that streams, as tf.data's Dataset and PyTorch's IterableDataset. A source (an array, a
// generator function, an async iterable, CSV text arriving in chunks) and a chain of stages over it: map,
// shuffle (a seeded buffer), batch (stacked into Tensors), take, repeat. Nothing is read until the dataset
// is iterated, and each pass opens the source again, so a dataset made from a function is an epoch each
// time `fit` iterates it. Each stage is written once, as a push stage, and two small drivers run the
// chain, one over a synchronous source and one over an asynchronous one.
import { internal, Rng, type Tensor } from '@adjoint/autograd';
import { type CsvOptions, csvRows, isTextSource, type TextSource } from './csv.js';
import {
  collate,
  isSync,
  type Opened,
  openIterable,
  Pipeline,
  repeatAsync,
  repeatSync,
  runAsync,
  runSync,
  type Stage,
} from './dataset-passes.js';

const { checkOptions, describe } = internal;

/** What a dataset's source may be: values, or a function that makes them afresh for every pass. */
export type DatasetSource<T> =
  | Iterable<T>
  | AsyncIterable<T>
  | (() => Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>);

/** What `Dataset.batch` takes. */
export interface BatchOptions {
  /** Drop a last batch shorter than `size` (default false), as tf.data's drop_remainder. */
  readonly dropRemainder?: boolean;
}

/** What `Dataset.shuffle` takes. */
export interface ShuffleOptions {
  /** The generator's seed (default 0): the same seed gives the same orders, pass after pass. */
  readonly seed?: number;
}

/**
 * A stream of items (samples, or batches for `fit`), re-read on every pass: larger-than-memory data trains
 * one batch at a time. Made with `Dataset.from` or `Dataset.csv`, shaped with `map`, `shuffle`, `batch`,
 * `take` and `repeat`, iterated with `for…of` (a synchronous source) or `for await…of` (any source).
 *
 * @example
 * {@includeCode ../doc-examples/dataset.ts}
 */
export class Dataset<T> implements Iterable<T>, AsyncIterable<T> {
  readonly #open: () => Opened;
  readonly #stages: readonly (() => Stage)[];

  private constructor(open: () => Opened, stages: readonly (() => Stage)[]) {
    this.#open = open;
    this.#stages = stages;
  }

  /**
   * A dataset over `source`: an array or other iterable (read again on every pass), an async iterable,
   * or a function returning either, called once per pass (a generator function: each pass a fresh
   * generator). A generator object itself runs once: its second pass is empty.
   */
  static from<T>(source: DatasetSource<T>): Dataset<T> {
    if (typeof source === 'function') {
      return new Dataset<T>(() => {
        const made = (source as () => unknown)();
        const opened = openIterable(made);
        if (opened === null)
          throw new TypeError(
            `Dataset.from: the source function returned ${describe(made)}, not an iterable or async iterable`,
          );
        return opened;
      }, []);
    }
    if (openIterable(source) === null)
      throw new TypeError(
        `Dataset.from: expected an iterable, an async iterable or a function returning one, got ${describe(source)}`,
      );
    return new Dataset<T>(() => openIterable(source)!, []);
  }

  /**
   * The rows of CSV text as arrays of numbers, read line by line as the chunks arrive, so a file larger
   * than memory streams: in Node `Dataset.csv(() => createReadStream(path))`, in a browser
   * `Dataset.csv(async () => (await fetch(url)).body)` (a function: each pass reads afresh). Fields are trimmed and may be quoted; a field that is not a
   * number is an Error naming its line and column. Empty lines are skipped.
   */
  static csv(
    source: TextSource | (() => TextSource | Promise<TextSource>),
    options: CsvOptions = {},
  ): Dataset<number[]> {
    checkOptions('Dataset.csv', options, ['skip', 'delimiter']);
    const { skip = 0, delimiter = ',' } = options;
    if (!Number.isSafeInteger(skip) || skip < 0)
      throw new RangeError(`Dataset.csv: expected skip to be an integer ≥ 0, got ${describe(skip)}`);
    if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n')
      throw new TypeError(
        `Dataset.csv: expected delimiter to be one character (not a quote or a newline), got ${describe(delimiter)}`,
      );
    const check = (text: unknown) => {
      if (!isTextSource(text))
        throw new TypeError(
          `Dataset.csv: expected a ReadableStream, an iterable or async iterable of text or bytes, got ${describe(text)}`,
        );
      return text;
    };
    // a wrong source is named now, not at the first pass
    if (typeof source !== 'function') check(source);
    return Dataset.from(() => {
      const text = typeof source === 'function' ? source() : source;
      // a source still to come (a fetch): its rows once it is there, asynchronously
      if (text instanceof Promise)
        return (async function* () {
          yield* csvRows(check(await text), skip, delimiter);
        })();
      return csvRows(check(text), skip, delimiter);
    });
  }

  /** Each item as `fn` makes it (with the item's index in this pass). */
  map<U>(fn: (item: T, index: number) => U): Dataset<U> {
    if (typeof fn !== 'function')
      throw new TypeError(`Dataset.map: expected a function, got ${describe(fn)}`);
    return this.#then(() => {
      let index = 0;
      return {
        push(item, out) {
          out.push(fn(item as T, index++));
          return true;
        },
        end: () => {},
      };
    });
  }

  /**
   * The items in a random order from a buffer of `bufferSize` (tf.data's shuffle): the buffer fills, then
   * each new item takes the place of one drawn at random. A buffer at least as long as the data gives a
   * uniform permutation. Each pass draws a new order, from a generator seeded once by `seed`.
   */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Dataset<T> {
    if (!Number.isSafeInteger(bufferSize) || bufferSize < 1)
      throw new RangeError(
        `Dataset.shuffle: expected bufferSize to be a positive integer, got ${describe(bufferSize)}`,
      );
    checkOptions('Dataset.shuffle', options, ['seed']);
    const rng = new Rng(options.seed ?? 0);
    return this.#then(() => {
      const buffer: unknown[] = [];
      return {
        push(item, out) {
          if (buffer.length < bufferSize) buffer.push(item);
          else {
            const j = rng.int(bufferSize);
            out.push(buffer[j]);
            buffer[j] = item;
          }
          return true;
        },
        end(out) {
          while (buffer.length > 0) {
            const j = rng.int(buffer.length);
            out.push(buffer[j]);
            buffer[j] = buffer[buffer.length - 1];
            buffer.pop();
          }
        },
      };
    });
  }

  /**
   * Items grouped `size` at a time and stacked, as PyTorch's default collate: numbers, arrays of numbers
   * and Tensors become one Tensor with a new first axis (float32 when the items are Float32Arrays or
   * float32 Tensors, float64 otherwise), and objects stack field by field, so samples `{ x, y }` become a
   * batch `{ x, y }` for `fit`. Items whose shapes differ are an Error naming both.
   */
  batch(size: number, options: BatchOptions = {}): Dataset<Stacked<T>> {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`Dataset.batch: expected size to be a positive integer, got ${describe(size)}`);
    checkOptions('Dataset.batch', options, ['dropRemainder']);
    const { dropRemainder = false } = options;
    if (typeof dropRemainder !== 'boolean')
      throw new TypeError(
        `Dataset.batch: expected dropRemainder to be true or false, got ${describe(dropRemainder)}`,
      );
    return this.#then(() => {
      let items: unknown[] = [];
      let count = 0;
      return {
        push(item, out) {
          items.push(item);
          if (items.length === size) {
            out.push(collate(items, `batch ${count++}`));
            items = [];
          }
          return true;
        },
        end(out) {
          if (items.length > 0 && !dropRemainder) out.push(collate(items, `batch ${count}`));
        },
      };
    });
  }

  /** The first `count` items (of each pass); the source is not read beyond them. */
  take(count: number): Dataset<T> {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`Dataset.take: expected count to be an integer ≥ 0, got ${describe(count)}`);
    return this.#then(() => {
      let taken = 0;
      return {
        closed: count === 0,
        push(item, out) {
          out.push(item);
          return ++taken < count;
        },
        end: () => {},
      };
    });
  }

  /** The whole dataset `count` times over (default: without end; take or fit's epochs end it). */
  repeat(count = Number.POSITIVE_INFINITY): Dataset<T> {
    if (!(count === Number.POSITIVE_INFINITY || (Number.isSafeInteger(count) && count >= 0)))
      throw new RangeError(
        `Dataset.repeat: expected count to be an integer ≥ 0 or Infinity, got ${describe(count)}`,
      );
    return new Dataset<T>(() => {
      if (count === 0) return [][Symbol.iterator]();
      const first = this.#pass();
      return first.sync
        ? repeatSync(first.it, () => this[Symbol.iterator](), count)
        : repeatAsync(first.it, () => this[Symbol.asyncIterator](), count);
    }, []);
  }

  /** The items of one pass, in order. Throws for an asynchronous source: iterate it with `for await`. */
  [Symbol.iterator](): Iterator<T> {
    const pass = this.#pass();
    if (!pass.sync) {
      void pass.it.return?.();
      throw new TypeError(
        'Dataset: this dataset is asynchronous (its source gives promises); read it with for await, or train on it with fitAsync',
      );
    }
    return pass.it as Iterator<T>;
  }

  /** The items of one pass, in order, from a synchronous or an asynchronous source. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const pass = this.#pass();
    return (pass.sync ? runAsync(pass.it, new Pipeline([])) : pass.it) as AsyncIterator<T>;
  }

  /** One pass: the source opened and run through the stages, synchronously when the source is. */
  #pass(): { sync: true; it: Iterator<unknown> } | { sync: false; it: AsyncIterator<unknown> } {
    const opened = this.#open();
    const pipeline = new Pipeline(this.#stages.map((make) => make()));
    return isSync(opened)
      ? { sync: true, it: runSync(opened, pipeline) }
      : { sync: false, it: runAsync(opened, pipeline) };
  }

  #then(stage: () => Stage): Dataset<never> {
    return new Dataset(this.#open, [...this.#stages, stage]);
  }
}

/** What `batch` makes of items of type T. */
export type Stacked<T> = T extends number | readonly unknown[] | Tensor | Float32Array | Float64Array
  ? Tensor
  : T extends object
    ? { [K in keyof T]: Stacked<T[K]> }
    : never;
