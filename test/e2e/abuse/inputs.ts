import { brotliCompressSync, constants, deflateRawSync, gzipSync } from "node:zlib";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";

/** Every generated input comes from this seed: a failure seen once is seen again. */
export const SEED = 20261121;

/** `n` values of an arbitrary, the same ones on every run. */
export function sample<T>(arbitrary: fc.Arbitrary<T>, n: number, salt = 0): T[] {
  return fc.sample(arbitrary, { seed: SEED + salt, numRuns: n });
}

export const MB = 1024 * 1024;

/** `total` bytes as 1 MiB chunks of `fill` after `head`: never held in memory whole. */
export function chunked(head: Buffer, total: number, fill: number, tail = Buffer.alloc(0)): () => Iterable<Buffer> {
  return function* () {
    yield head;
    const chunk = Buffer.alloc(MB, fill);
    let left = total - head.length - tail.length;
    while (left > 0) {
      yield left >= MB ? chunk : chunk.subarray(0, left);
      left -= MB;
    }
    yield tail;
  };
}

/** A small body that inflates to `size` bytes: `head`, then `fill` repeated. */
export function bomb(encoding: "gzip" | "br", head: Buffer, size: number, fill = 0x61): Buffer {
  if (encoding === "br") {
    return brotliCompressSync(Buffer.concat([head, Buffer.alloc(size - head.length, fill)]), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: size },
    });
  }
  return gzipSync(Buffer.concat([head, Buffer.alloc(size - head.length, fill)]), { level: 1 });
}

/** Compressed bodies that break in the middle, or are not compressed at all. */
export function corruptCompressed(encoding: "gzip" | "br", payload: Buffer): { label: string; body: Buffer }[] {
  const good = encoding === "gzip" ? gzipSync(payload) : brotliCompressSync(payload);
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
  return [
    { label: "truncated", body: good.subarray(0, Math.floor(good.length / 2)) },
    { label: "bit-flipped", body: flipped },
    { label: "not compressed", body: payload },
    { label: "random bytes", body: Buffer.from(sample(fc.uint8Array({ minLength: 16, maxLength: 64 }), 1, 7)[0]!) },
    { label: "empty", body: Buffer.alloc(0) },
    { label: "other codec (raw deflate)", body: deflateRawSync(payload) },
  ];
}

/** Strings with one U+0000 somewhere in them. */
export const withNul = fc
  .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map(([a, b]) => `${a}\u0000${b}`);

/** Strings with at least one unpaired UTF-16 surrogate. */
export const withLoneSurrogate = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    fc.string({ maxLength: 8 }),
  )
  .map(([a, s, b]) => `${a}${s}${b}`)
  .filter((text) => !text.isWellFormed());

/** Bytes that are not UTF-8, to splice into the middle of a JSON string. */
export const INVALID_UTF8: { label: string; bytes: Buffer }[] = [
  { label: "0xff", bytes: Buffer.from([0xff]) },
  { label: "truncated sequence", bytes: Buffer.from([0xc3, 0x28]) },
  { label: "overlong NUL", bytes: Buffer.from([0xc0, 0x80]) },
  { label: "encoded surrogate", bytes: Buffer.from([0xed, 0xa0, 0x80]) },
  { label: "lone continuation", bytes: Buffer.from([0x80, 0x80]) },
];

/** A JSON document with `bytes` inside one of its strings. */
export function jsonWithBytes(before: string, bytes: Buffer, after: string): Buffer {
  return Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)]);
}

/**
 * Metadata nested `depth` objects deep, as JSON text and inside a protobuf WriteMemoryRequest,
 * both written by hand: a value this deep overflows the stack of recursive encoders.
 */
export function deepMetadata(depth: number): { json: string; request: Uint8Array } {
  const json = `${'{"n":'.repeat(depth)}{"leaf":1}${"}".repeat(depth)}`;
  const delimited = (field: number, bytes: Uint8Array) =>
    new BinaryWriter().tag(field, WireType.LengthDelimited).bytes(bytes).finish();
  const text = (field: number, value: string) =>
    new BinaryWriter().tag(field, WireType.LengthDelimited).string(value).finish();
  const header = (field: number, length: number) =>
    new BinaryWriter().tag(field, WireType.LengthDelimited).uint32(length).finish();
  // Struct{fields: {key: Value}} is a map: entries of key (1) and value (2); Value.struct_value is field 5.
  const struct = (key: string, value: Uint8Array) => delimited(1, Buffer.concat([text(1, key), delimited(2, value)]));
  const leaf = struct("leaf", new BinaryWriter().tag(2, WireType.Bit64).double(1).finish());
  // Each level only puts tags and lengths before the one inside it: written outermost first, once,
  // rather than copying the inner levels again at every level (quadratic: seconds at 20,000).
  const key = text(1, "n");
  const prefixes: Uint8Array[] = [];
  let length = leaf.length;
  for (let i = 0; i < depth; i++) {
    const value = header(5, length);
    const entry = header(2, value.length + length);
    const entryLength = key.length + entry.length + value.length + length;
    const prefix = Buffer.concat([header(1, entryLength), key, entry, value]);
    prefixes.push(prefix);
    length += prefix.length;
  }
  const inner = Buffer.concat([...prefixes.reverse(), leaf]);
  const memory = Buffer.concat([text(4, "contact"), text(6, "note"), text(8, "deep metadata"), delimited(11, inner)]);
  return { json, request: delimited(1, memory) };
}
