import { internal } from '@adjoint/autograd';

const { describe, formatShape } = internal;

// The safetensors format (Hugging Face's): 8 bytes of little-endian header length N, N bytes of JSON
// header { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }, then the raw
// little-endian data, offsets counted from the end of the header. Names follow PyTorch's state_dict of
// the equivalent nn.Sequential ("0.weight", "0.bias", "2.weight", …), so the file loads there as is.

/**
 * The dtypes adjoint reads and writes, with their byte size: I64 for PyTorch's integer buffers (BatchNorm's
 * num_batches_tracked), read as doubles, refusing a count beyond 2⁵³.
 */
const DTYPES = { F32: 4, F64: 8, I64: 8 } as const;
export type SafeDType = keyof typeof DTYPES;

/** The most tensors a header may name: far more than any model here has. */
const MAX_TENSORS = 65_536;

/** The largest header read: a header this size describes far more tensors than any model here has. */
const MAX_HEADER = 100 * 1024 * 1024;

export interface Entry {
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

/** A tensor to write: its dtype in the file, its shape and its numbers. */
export interface RawTensor {
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * @internal Safetensors bytes of named tensors and string metadata. The header is padded with spaces to a
 * multiple of 8 bytes, so every tensor is aligned.
 */
export function encodeSafetensors(
  tensors: readonly (readonly [string, RawTensor])[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, Entry | Readonly<Record<string, string>>> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * DTYPES[t.dtype];
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  for (const [name, t] of tensors) {
    const [begin] = (header[name] as Entry).data_offsets;
    const at = 8 + text.length + begin;
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === 'F32') view.setFloat32(at + 4 * i, t.data[i]!, true);
      else if (t.dtype === 'F64') view.setFloat64(at + 8 * i, t.data[i]!, true);
      else view.setBigInt64(at + 8 * i, BigInt(t.data[i]!), true);
    }
  }
  return out;
}

/**
 * @internal The tensors of safetensors `bytes`, checked whole (the header's size and JSON, every entry's
 * dtype, shape and offsets: in range, not overlapping, matching the shape; no name twice), its string
 * metadata, and a reader of each tensor's numbers. Errors begin with `op`.
 */
export function decodeSafetensors(
  op: string,
  bytes: Uint8Array,
): {
  entries: ReadonlyMap<string, Entry>;
  metadata: Readonly<Record<string, string>>;
  read: (name: string) => Float64Array;
} {
  const fail = (message: string): never => {
    throw new Error(`${op}: ${message}`);
  };
  if (!(bytes instanceof Uint8Array))
    fail(`expected the file's bytes (a Uint8Array), got ${describe(bytes)}`);
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes; a header length takes 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(Math.min(MAX_HEADER, bytes.length - 8)))
    fail(
      `the header says it is ${declared} bytes; the file has ${bytes.length - 8} after the length (and at most ${MAX_HEADER} are read)`,
    );
  const length = Number(declared);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length));
  } catch {
    fail('the header is not UTF-8 text');
  }
  const names = topLevelKeys(text, fail);
  if (names.length > MAX_TENSORS + 1)
    fail(`the header names ${names.length} tensors; at most ${MAX_TENSORS} are read`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) fail(`the header names "${name}" twice`);
    seen.add(name);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('the header is not a JSON object');
  const dataLength = bytes.length - 8 - length;
  const entries = new Map<string, Entry>();
  const spans: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = raw as Partial<Entry> | null;
    if (typeof entry !== 'object' || entry === null)
      fail(`"${name}" is ${describe(raw)}, not { dtype, shape, data_offsets }`);
    const { dtype, shape, data_offsets: offsets } = entry!;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype))
      fail(`"${name}" has dtype ${describe(dtype)}; adjoint reads F32, F64 and I64`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail(`"${name}" has shape ${describe(shape)}, not a list of sizes`);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    )
      fail(`"${name}" has data_offsets ${describe(offsets)}, not [begin, end]`);
    const [begin, end] = offsets as [number, number];
    const size = (shape as number[]).reduce((n, d) => n * d, 1);
    if (begin > end || end > dataLength)
      fail(`"${name}" spans bytes ${begin}–${end} of a data section of ${dataLength}`);
    if (end - begin !== size * DTYPES[dtype as SafeDType])
      fail(
        `"${name}" spans ${end - begin} bytes; ${formatShape(shape as number[])} of ${dtype} takes ${size * DTYPES[dtype as SafeDType]}`,
      );
    entries.set(name, { dtype: dtype as SafeDType, shape: shape as number[], data_offsets: [begin, end] });
    spans.push([begin, end, name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) fail(`"${spans[i]![2]}" overlaps "${spans[i - 1]![2]}"`);
  }
  const raw = (header as Record<string, unknown>).__metadata__;
  const metadata: Record<string, string> = {};
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      fail(`__metadata__ is ${describe(raw)}, not an object of strings`);
    for (const [key, value] of Object.entries(raw as object)) {
      if (typeof value !== 'string') fail(`__metadata__ "${key}" is ${describe(value)}, not a string`);
      metadata[key] = value as string;
    }
  }
  const start = 8 + length;
  const read = (name: string): Float64Array => {
    const {
      dtype,
      shape,
      data_offsets: [begin],
    } = entries.get(name)!;
    const out = new Float64Array(shape.reduce((n, d) => n * d, 1));
    for (let i = 0; i < out.length; i++) {
      const at = start + begin + DTYPES[dtype] * i;
      if (dtype === 'I64') {
        const v = view.getBigInt64(at, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
          fail(`"${name}"[${i}] is ${v}, an integer beyond those a double holds exactly`);
        out[i] = Number(v);
      } else out[i] = dtype === 'F32' ? view.getFloat32(at, true) : view.getFloat64(at, true);
    }
    return out;
  };
  return { entries, metadata, read };
}

/**
 * The keys of the header's top-level object, in order and with repeats (JSON.parse would keep only the
 * last of a repeated key): a scan of the text that steps over strings and nested objects.
 */
function topLevelKeys(text: string, fail: (message: string) => never): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) fail('the header has an unterminated string');
      if (depth === 1 && expectKey) keys.push(jsonString(text.slice(i, j + 1), fail));
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** A name of the header as a string; a bad escape or a raw control character is the file's fault. */
function jsonString(quoted: string, fail: (message: string) => never): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    const shown = quoted.length > 40 ? `${quoted.slice(0, 40)}…` : quoted;
    return fail(`the header has a name that is not a valid JSON string: ${JSON.stringify(shown)}`);
  }
}
