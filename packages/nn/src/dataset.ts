// Dataset: data that streams, as tf.data's Dataset and PyTorch's IterableDataset. A source (an array, a
// generator function, an async iterable, CSV text arriving in chunks) and a chain of stages over it: map,
// shuffle (a seeded buffer), batch (stacked into Tensors), take, repeat. Nothing is read until the dataset
// is iterated, and each pass opens the source again, so a dataset made from a function is an epoch each
// time `fit` iterates it. Each stage is written once, as a push stage, and two small drivers run the
// chain, one over a synchronous source and one over an asynchronous one.
import { internal, Rng, ShapeError, Tensor, tensor } from '@adjoint/autograd';

const { checkOptions, describe, formatShape } = internal;

/** What a dataset's source may be: values, or a function that makes them afresh for every pass. */
export type DatasetSource<T> =
  | Iterable<T>
  | AsyncIterable<T>
  | (() => Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>);

/** A stage of the chain: takes items one at a time and emits what it lets through. */
interface Stage {
  /** Takes one item; false once the stage wants no more (take has its count). */
  push(item: unknown, out: unknown[]): boolean;
  /** The source has ended: emits what the stage still holds. */
  end(out: unknown[]): void;
  /** The stage wants no items at all (take(0)). */
  readonly closed?: boolean;
}

type Opened = Iterator<unknown> | AsyncIterator<unknown>;

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

/** What `Dataset.csv` takes. */
export interface CsvOptions {
  /** Lines to skip at the start (a header; default 0). */
  readonly skip?: number;
  /** The field separator (default ','). */
  readonly delimiter?: string;
}

/** A web ReadableStream of bytes (a fetch body), as far as Dataset.csv reads one: by its reader. */
export interface ByteStream {
  getReader(): { read(): Promise<unknown>; cancel(): Promise<unknown> };
}

/** Chunks of text: a fetch body, a Node read stream, an array of strings, a generator of byte chunks. */
export type TextSource = ByteStream | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

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

/** The stages of one pass, in order; items go in at the front and come out at the back. */
class Pipeline {
  readonly #stages: readonly Stage[];
  readonly #open: boolean[];

  constructor(stages: readonly Stage[]) {
    this.#stages = stages;
    this.#open = stages.map((s) => s.closed !== true);
  }

  /** Whether any stage wants no more items: the source need not be read further. */
  get full(): boolean {
    return this.#open.includes(false);
  }

  push(item: unknown): unknown[] {
    return this.#from(0, [item]);
  }

  /** The source ended: each stage in order hands on what it holds. */
  end(): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < this.#stages.length; i++) {
      if (!this.#open[i]) continue;
      const held: unknown[] = [];
      this.#stages[i]!.end(held);
      this.#open[i] = false;
      out.push(...this.#from(i + 1, held));
    }
    return out;
  }

  #from(first: number, items: unknown[]): unknown[] {
    let current = items;
    for (let i = first; i < this.#stages.length && current.length > 0; i++) {
      const next: unknown[] = [];
      for (const item of current) {
        if (!this.#open[i]) break;
        if (!this.#stages[i]!.push(item, next)) this.#open[i] = false;
      }
      current = next;
    }
    return current;
  }
}

function* runSync(source: Iterator<unknown>, pipeline: Pipeline): Generator<unknown> {
  try {
    while (!pipeline.full) {
      const next = source.next();
      if (next.done) break;
      yield* pipeline.push(next.value);
    }
    yield* pipeline.end();
  } finally {
    source.return?.();
  }
}

async function* runAsync(source: Opened, pipeline: Pipeline): AsyncGenerator<unknown> {
  try {
    while (!pipeline.full) {
      const next = await source.next();
      if (next.done) break;
      yield* pipeline.push(next.value);
    }
    yield* pipeline.end();
  } finally {
    await source.return?.();
  }
}

/** A pass already open, then `count - 1` more (an empty dataset repeated without end is still empty). */
function* repeatSync(
  first: Iterator<unknown>,
  again: () => Iterator<unknown>,
  count: number,
): Generator<unknown> {
  let it = first;
  for (let pass = 0; pass < count; pass++, it = pass < count ? again() : it) {
    let items = 0;
    for (let next = it.next(); !next.done; next = it.next(), items++) yield next.value;
    if (items === 0) return;
  }
}

async function* repeatAsync(
  first: AsyncIterator<unknown>,
  again: () => AsyncIterator<unknown>,
  count: number,
): AsyncGenerator<unknown> {
  let it = first;
  for (let pass = 0; pass < count; pass++, it = pass < count ? again() : it) {
    let items = 0;
    for (let next = await it.next(); !next.done; next = await it.next(), items++) yield next.value;
    if (items === 0) return;
  }
}

function isSync(opened: Opened): opened is Iterator<unknown> {
  return !(Symbol.asyncIterator in opened) || Symbol.iterator in opened;
}

/** An iterator over `source` (sync preferred), or null when it is neither kind of iterable nor an iterator. */
function openIterable(source: unknown): Opened | null {
  if (typeof source !== 'object' && typeof source !== 'string') return null;
  if (source === null) return null;
  const s = source as Partial<Iterable<unknown> & AsyncIterable<unknown> & Iterator<unknown>>;
  if (typeof s[Symbol.iterator] === 'function') return s[Symbol.iterator]!();
  if (typeof s[Symbol.asyncIterator] === 'function') return s[Symbol.asyncIterator]!();
  if (typeof s.next === 'function') return s as Iterator<unknown>;
  return null;
}

/** Stacks items into Tensors (field by field for objects); `where` names the batch in errors. */
function collate(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (typeof first === 'object' && first !== null && !isArrayLike(first) && !(first instanceof Tensor)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    items.forEach((item, i) => {
      const ks = typeof item === 'object' && item !== null ? Object.keys(item) : [];
      if (ks.length !== keys.length || ks.some((k) => !keys.includes(k)))
        throw new TypeError(
          `Dataset.batch: ${where}: item ${i} has fields {${ks.join(', ')}}, item 0 {${keys.join(', ')}}`,
        );
    });
    for (const key of keys)
      out[key] = collate(
        items.map((item) => (item as Record<string, unknown>)[key]),
        `${where}, field ${key}`,
      );
    return out;
  }
  let shape: number[] | null = null;
  let float32 = true;
  const parts = items.map((item, i) => {
    const [data, itemShape, f32] = flatten(item, `${where}, item ${i}`);
    if (shape === null) shape = itemShape;
    else if (itemShape.length !== shape.length || itemShape.some((d, k) => d !== shape![k]))
      throw new ShapeError(
        `Dataset.batch: ${where}: item ${i} has shape ${formatShape(itemShape)}, item 0 ${formatShape(shape)}`,
      );
    float32 &&= f32;
    return data;
  });
  const width = parts[0]!.length;
  const out = float32 ? new Float32Array(items.length * width) : new Float64Array(items.length * width);
  parts.forEach((data, i) => {
    out.set(data, i * width);
  });
  return new Tensor(out, [items.length, ...shape!]);
}

function isArrayLike(x: object): boolean {
  return Array.isArray(x) || x instanceof Float32Array || x instanceof Float64Array;
}

/** An item's numbers, its shape and whether it is float32 data. */
function flatten(item: unknown, where: string): [ArrayLike<number>, number[], boolean] {
  if (item instanceof Tensor) return [item.data, [...item.shape], item.dtype === 'float32'];
  if (item instanceof Float32Array) return [item, [item.length], true];
  if (item instanceof Float64Array) return [item, [item.length], false];
  if (typeof item === 'number') {
    if (!Number.isFinite(item))
      throw new RangeError(`Dataset.batch: ${where} is ${item}, not a finite number`);
    return [[item], [], false];
  }
  if (Array.isArray(item)) {
    try {
      const t = tensor(item as number[]);
      return [t.data, [...t.shape], false];
    } catch (error) {
      throw new TypeError(`Dataset.batch: ${where}: ${(error as Error).message.replace(/^tensor: /, '')}`);
    }
  }
  throw new TypeError(
    `Dataset.batch: ${where} is ${describe(item)}; batch stacks numbers, arrays of numbers, Tensors and objects of them`,
  );
}

function isTextSource(source: unknown): source is TextSource {
  if (typeof source !== 'object' || source === null) return false;
  return isByteStream(source) || Symbol.iterator in source || Symbol.asyncIterator in source;
}

/** A web stream is read through its reader (a browser's may not be async iterable). */
function isByteStream(source: unknown): source is ByteStream {
  return typeof (source as Partial<ByteStream> | null)?.getReader === 'function';
}

/** Text chunks of a source, as an iterator (sync or async), or null when it is not a text source. */
function chunksOf(source: unknown): Opened | null {
  if (isByteStream(source)) {
    const reader = source.getReader();
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    } as AsyncIterator<unknown>;
  }
  if (typeof source === 'string') return null;
  return openIterable(source);
}

/** The rows of CSV text from chunks, parsed as numbers, line by line. */
function csvRows(
  source: TextSource,
  skip: number,
  delimiter: string,
): Iterable<number[]> | AsyncIterable<number[]> {
  const decoder = new TextDecoder();
  let line = 0;
  let rest = '';
  const rowsOf = (text: string, last: boolean): number[][] => {
    const lines = (rest + text).split('\n');
    rest = last ? '' : lines.pop()!;
    const rows: number[][] = [];
    for (const raw of lines) {
      line++;
      const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line <= skip || l.trim() === '') continue;
      rows.push(parseLine(l, line, delimiter));
    }
    return rows;
  };
  const text = (chunk: unknown): string => {
    if (typeof chunk === 'string') return chunk;
    if (chunk instanceof Uint8Array) return decoder.decode(chunk, { stream: true });
    throw new TypeError(`Dataset.csv: a chunk of the source is ${describe(chunk)}, not text or bytes`);
  };
  const chunks = chunksOf(source)!;
  if (isSync(chunks))
    return (function* () {
      try {
        for (let next = chunks.next(); !next.done; next = chunks.next())
          yield* rowsOf(text(next.value), false);
        yield* rowsOf(decoder.decode(), true);
      } finally {
        chunks.return?.();
      }
    })();
  return (async function* () {
    try {
      for (let next = await chunks.next(); !next.done; next = await chunks.next())
        yield* rowsOf(text(next.value), false);
      yield* rowsOf(decoder.decode(), true);
    } finally {
      await chunks.return?.();
    }
  })();
}

/** One CSV line as numbers: fields split on the delimiter outside quotes, "" inside quotes a quote. */
function parseLine(l: string, line: number, delimiter: string): number[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < l.length; i++) {
    const ch = l[i]!;
    if (quoted && ch === '"' && l[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f, column) => {
    const value = f.trim() === '' ? Number.NaN : Number(f);
    if (!Number.isFinite(value))
      throw new TypeError(
        `Dataset.csv: line ${line}, column ${column + 1} is ${JSON.stringify(f)}, not a number (skip a header with { skip: 1 }; map text fields in the source)`,
      );
    return value;
  });
}
