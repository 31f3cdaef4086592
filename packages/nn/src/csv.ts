// Dataset.csv's reading: text or byte chunks from any source (a Node stream, a web stream, a generator),
// decoded across chunk boundaries, split into lines and parsed as rows of numbers.
import { internal } from '@adjoint/autograd';
import { isSync, type Opened, openIterable } from './dataset-passes.js';

const { describe } = internal;

/** What `Dataset.csv` takes. */
export interface CsvOptions {
  /** Lines to skip at the start (a header; default 0). */
  readonly skip?: number;
  /** The field separator (default ','). */
  readonly delimiter?: string;
}

/** A web ReadableStream of bytes (a fetch body), as far as Dataset.csv reads one: by its reader. */
export interface ByteStream {
  /** Its reader, which Dataset.csv reads chunk by chunk. */
  getReader(): {
    /** The next chunk: `{ done, value }`. */
    read(): Promise<unknown>;
    /** Ends the read early (take, a stop, an error). */
    cancel(): Promise<unknown>;
  };
}

/** Chunks of text: a fetch body, a Node read stream, an array of strings, a generator of byte chunks. */
export type TextSource = ByteStream | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export function isTextSource(source: unknown): source is TextSource {
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
export function csvRows(
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
