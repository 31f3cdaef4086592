import { fromSafetensors, mlp, toSafetensors } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';

// safetensors, checked against the format's specification field by field (not against our own reader
// only), round trips bit for bit, and hostile files refused with an error naming what is wrong.
const spec = {
  inputs: 3,
  layers: [
    { units: 4, activation: 'tanh' as const },
    { units: 2, activation: 'softmax' as const },
  ],
  seed: 5,
};

/** The specification's reading: u64 little-endian header length, the JSON header, the data after it. */
function read(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { length, header, data: bytes.subarray(8 + length) };
}

function withHeader(header: unknown, data: Uint8Array, declared?: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

describe('safetensors', () => {
  test.each(['float32', 'float64'] as const)(
    '%s: the bytes follow the specification field by field',
    (dtype) => {
      const net = mlp(spec, { dtype });
      const bytes = toSafetensors(net);
      const { length, header, data } = read(bytes);
      expect((8 + length) % 8).toBe(0); // the header is padded so the data is aligned
      expect(Object.keys(header)).toEqual(['__metadata__', '0.weight', '0.bias', '2.weight', '2.bias']); // PyTorch's state_dict names
      const size = dtype === 'float32' ? 4 : 8;
      let offset = 0;
      for (const [name, p] of net.namedParameters()) {
        expect(header[name]).toEqual({
          dtype: dtype === 'float32' ? 'F32' : 'F64',
          shape: [...p.shape],
          data_offsets: [offset, offset + p.size * size],
        });
        // the raw data is the parameter's own little-endian bytes
        expect(data.subarray(offset, offset + p.size * size)).toEqual(
          new Uint8Array(p.data.buffer, p.data.byteOffset, p.size * size),
        );
        offset += p.size * size;
      }
      expect(data.length).toBe(offset);
    },
  );

  test.each(['float32', 'float64'] as const)(
    '%s: a model round-trips bit for bit, and computes the same',
    (dtype) => {
      const net = mlp(spec, { dtype });
      const back = fromSafetensors(toSafetensors(net), { ...spec, seed: 99 }); // other initial weights, overwritten
      expect(back.parameters()[0]!.dtype).toBe(dtype);
      for (const [i, p] of net.parameters().entries())
        expect(Array.from(back.parameters()[i]!.data)).toEqual(Array.from(p.data));
    },
  );

  const good = () => read(toSafetensors(mlp(spec)));
  test.each([
    [
      'truncated below a header length',
      () => new Uint8Array(5),
      'the file has 5 bytes; a header length takes 8',
    ],
    [
      'a header longer than the file',
      () => withHeader({}, new Uint8Array(0), 1e12),
      'the header says it is 1000000000000 bytes',
    ],
    [
      'a header that is not JSON',
      () => withHeader('{"0.weight": ', new Uint8Array(0)),
      'the header is not JSON',
    ],
    [
      'an unknown dtype',
      () => {
        const { header, data } = good();
        header['0.bias'].dtype = 'BF16';
        return withHeader(header, data);
      },
      '"0.bias" has dtype the string "BF16"; adjoint reads F32, F64 and I64',
    ],
    [
      'offsets past the data',
      () => {
        const { header, data } = good();
        header['2.bias'].data_offsets = [data.length, data.length + 16];
        return withHeader(header, data);
      },
      `"2.bias" spans bytes`,
    ],
    [
      'overlapping tensors',
      () => {
        const { header, data } = good();
        header['0.bias'].data_offsets = header['0.weight'].data_offsets.map((o: number, i: number) =>
          i === 0 ? o : o - 64,
        );
        header['0.bias'].data_offsets[1] = header['0.bias'].data_offsets[0] + 32;
        return withHeader(header, data);
      },
      '"0.bias" overlaps "0.weight"',
    ],
    [
      'a name twice',
      () => {
        const { header, data } = good();
        const text = JSON.stringify(header).replace('"2.bias"', '"0.bias"');
        return withHeader(text, data);
      },
      'the header names "0.bias" twice',
    ],
    // issue 33: names that are not JSON strings, bytes that are not UTF-8, and too many names (the
    // duplicate scan is linear: 100,000 names are refused at once)
    [
      'a name with a bad escape',
      () => withHeader('{"0.we\\qight": {}}', new Uint8Array(0)),
      'the header has a name that is not a valid JSON string: "\\"0.we\\\\qight\\""',
    ],
    [
      'a name with a raw control character',
      () => withHeader('{"0.w\teight": {}}', new Uint8Array(0)),
      'the header has a name that is not a valid JSON string',
    ],
    [
      'a header that is not UTF-8',
      () => {
        const bytes = withHeader('{"0.weight": {}}', new Uint8Array(0));
        bytes[10] = 0xff;
        return bytes;
      },
      'the header is not UTF-8 text',
    ],
    [
      '100,000 names',
      () =>
        withHeader(
          `{${Array.from({ length: 100_000 }, (_, i) => `"t${i}": {}`).join(',')}}`,
          new Uint8Array(0),
        ),
      'the header names 100000 tensors; at most 65536 are read',
    ],
    [
      'a missing parameter',
      () => {
        const { header, data } = good();
        delete header['2.bias'];
        return withHeader(header, data);
      },
      'the file has no "2.bias", which the spec needs ([2])',
    ],
    [
      'a shape the spec does not have',
      () => {
        const { header, data } = good();
        header['0.weight'].shape = [3, 4];
        return withHeader(header, data);
      },
      '"0.weight" is [3, 4] in the file, [4, 3] in the spec',
    ],
    [
      'a size that does not fit its shape',
      () => {
        const { header, data } = good();
        header['0.bias'].shape = [5];
        return withHeader(header, data);
      },
      '"0.bias" spans 32 bytes; [5] of F64 takes 40',
    ],
  ])('refuses %s, naming it, and builds nothing', (_what, make, message) => {
    expect(() => fromSafetensors(make(), spec)).toThrow(`fromSafetensors: ${message}`);
  });
});
