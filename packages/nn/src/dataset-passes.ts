// How a Dataset runs one pass: the source opened, each item pushed through the stages in turn (a
// synchronous driver and an asynchronous one over the same stages), repeat's passes one after another,
// and batch's stacking of items into Tensors.
import { internal, ShapeError, Tensor, tensor } from '@adjoint/autograd';

const { describe, formatShape } = internal;

/** A stage of the chain: takes items one at a time and emits what it lets through. */
export interface Stage {
  /** Takes one item; false once the stage wants no more (take has its count). */
  push(item: unknown, out: unknown[]): boolean;
  /** The source has ended: emits what the stage still holds. */
  end(out: unknown[]): void;
  /** The stage wants no items at all (take(0)). */
  readonly closed?: boolean;
}

export type Opened = Iterator<unknown> | AsyncIterator<unknown>;

/** The stages of one pass, in order; items go in at the front and come out at the back. */
export class Pipeline {
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

export function* runSync(source: Iterator<unknown>, pipeline: Pipeline): Generator<unknown> {
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

export async function* runAsync(source: Opened, pipeline: Pipeline): AsyncGenerator<unknown> {
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
export function* repeatSync(
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

export async function* repeatAsync(
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

export function isSync(opened: Opened): opened is Iterator<unknown> {
  return !(Symbol.asyncIterator in opened) || Symbol.iterator in opened;
}

/** An iterator over `source` (sync preferred), or null when it is neither kind of iterable nor an iterator. */
export function openIterable(source: unknown): Opened | null {
  if (typeof source !== 'object' && typeof source !== 'string') return null;
  if (source === null) return null;
  const s = source as Partial<Iterable<unknown> & AsyncIterable<unknown> & Iterator<unknown>>;
  if (typeof s[Symbol.iterator] === 'function') return s[Symbol.iterator]!();
  if (typeof s[Symbol.asyncIterator] === 'function') return s[Symbol.asyncIterator]!();
  if (typeof s.next === 'function') return s as Iterator<unknown>;
  return null;
}

/** Stacks items into Tensors (field by field for objects); `where` names the batch in errors. */
export function collate(items: readonly unknown[], where: string): unknown {
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
