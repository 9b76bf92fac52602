/**
 * Whatever Postgres would refuse or silently corrupt must be refused at the edge, with a
 * stable reason and a path naming the offending value: NUL and lone surrogates in any string
 * (map keys and metadata included), floats a `real` cannot hold, non-finite JSON numbers, and
 * timestamps and durations outside their well-known types' range.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MemorySchema } from "../../gen/ts/engram/v1/memory_pb.js";
import { WriteMemoryRequestSchema } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { ErrorInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { DomainError } from "../errors/domain-error.js";
import { assertStorable, storableViolations } from "./storable.js";

const NUL = "must not contain NUL (U+0000) characters";
const SURROGATE = "must be well-formed Unicode (no lone UTF-16 surrogates)";
const FLOAT = "must be 0 or a finite number of magnitude 1.17549435e-38 to 3.40282347e38 (a 32-bit float)";

const memory = (init: MessageInitShape<typeof MemorySchema>) =>
  storableViolations(MemorySchema, create(MemorySchema, init));
const request = (init: MessageInitShape<typeof WriteMemoryRequestSchema>) =>
  storableViolations(WriteMemoryRequestSchema, create(WriteMemoryRequestSchema, init));
const reasons = (violations: { field: string; reason: string }[]) => violations.map((v) => [v.field, v.reason]);

describe("strings", () => {
  it("accepts ordinary text, emoji and other control characters", () => {
    expect(memory({ content: "Prefers email 📧 \u0001\t", tags: ["vip"], metadata: { note: "ok" } })).toEqual([]);
  });

  it("refuses NUL and lone surrogates, naming the field by its proto name", () => {
    expect(memory({ content: "a\u0000b", subjectType: "x\ud800" })).toEqual([
      { field: "subject_type", reason: "INVALID_UNICODE", description: SURROGATE },
      { field: "content", reason: "NUL_CHARACTER", description: NUL },
    ]);
  });

  it("reports NUL rather than the surrogate when a string holds both", () => {
    expect(reasons(memory({ title: "\udc00\u0000" }))).toEqual([["title", "NUL_CHARACTER"]]);
  });

  it("names list items and fields of nested messages by path", () => {
    const violations = request({
      memory: {
        tags: ["ok", "b\u0000d"],
        linkedEntities: [
          { type: "company", id: "ok" },
          { type: "t", id: "\udfff" },
        ],
      },
      requestId: "r\u0000",
    });
    expect(reasons(violations)).toEqual([
      ["memory.linked_entities[1].id", "INVALID_UNICODE"],
      ["memory.tags[1]", "NUL_CHARACTER"],
      ["request_id", "NUL_CHARACTER"],
    ]);
  });

  it("checks map keys at the map and values at their key", () => {
    const info = create(ErrorInfoSchema, { reason: "R", metadata: { "k\u0000": "v", ok: "\udc00" } });
    expect(reasons(storableViolations(ErrorInfoSchema, info))).toEqual([
      ["metadata", "NUL_CHARACTER"],
      ['metadata["ok"]', "INVALID_UNICODE"],
    ]);
  });
});

describe("metadata (Struct)", () => {
  it("paths keys as JSON does: dotted identifiers, quoted others, indexed lists", () => {
    const violations = memory({
      metadata: { plain: "a\u0000", "two words": "\ud800", list: [1, "x\u0000"], nested: { deep: { "9x": "\u0000" } } },
    });
    expect(reasons(violations)).toEqual([
      ["metadata.plain", "NUL_CHARACTER"],
      ['metadata["two words"]', "INVALID_UNICODE"],
      ["metadata.list[1]", "NUL_CHARACTER"],
      ['metadata.nested.deep["9x"]', "NUL_CHARACTER"],
    ]);
  });

  it("refuses NUL in a metadata key", () => {
    expect(reasons(memory({ metadata: { "a\u0000": 1 } }))).toEqual([['metadata["a\\u0000"]', "NUL_CHARACTER"]]);
  });

  it("refuses non-finite numbers, which JSON cannot hold", () => {
    expect(memory({ metadata: { n: Number.NaN, list: [Infinity], ok: 1e308 } })).toEqual([
      { field: "metadata.n", reason: "NUMBER_OUT_OF_RANGE", description: "must be a finite number" },
      { field: "metadata.list[0]", reason: "NUMBER_OUT_OF_RANGE", description: "must be a finite number" },
    ]);
  });
});

describe("floats", () => {
  it.each([0, -0, 1.1754943508222875e-38, 0.5, -1, 3.4028234663852886e38])("accepts the real %s", (confidence) => {
    expect(memory({ confidence })).toEqual([]);
  });

  it.each([1e-40, -1e-39, 3.5e38, Infinity, -Infinity, Number.NaN])("refuses %s, which real cannot hold", (c) => {
    expect(memory({ confidence: c })).toEqual([
      { field: "confidence", reason: "NUMBER_OUT_OF_RANGE", description: FLOAT },
    ]);
  });
});

describe("timestamps and durations", () => {
  const expire = (seconds: bigint, nanos = 0) => reasons(memory({ expireTime: { seconds, nanos } }));
  const ttl = (seconds: bigint, nanos = 0) => reasons(request({ ttl: { seconds, nanos } }));

  it("accepts timestamps from year 1 to the last nanosecond of year 9999", () => {
    expect(expire(-62_135_596_800n)).toEqual([]);
    expect(expire(253_402_300_799n, 999_999_999)).toEqual([]);
  });

  it("refuses timestamps outside that range or with nanos outside 0..999999999", () => {
    for (const [seconds, nanos] of [
      [-62_135_596_801n, 0],
      [253_402_300_800n, 0],
      [0n, -1],
      [0n, 1_000_000_000],
    ] as const) {
      expect(expire(seconds, nanos)).toEqual([["expire_time", "TIMESTAMP_OUT_OF_RANGE"]]);
    }
  });

  it("accepts durations up to 10,000 years either way, nanos agreeing in sign", () => {
    expect(ttl(315_576_000_000n, 999_999_999)).toEqual([]);
    expect(ttl(-315_576_000_000n, -999_999_999)).toEqual([]);
    expect(ttl(0n, -5)).toEqual([]);
  });

  it("refuses longer durations, bad nanos and nanos of the other sign", () => {
    for (const [seconds, nanos] of [
      [315_576_000_001n, 0],
      [-315_576_000_001n, 0],
      [0n, 1_000_000_000],
      [1n, -1],
      [-1n, 1],
    ] as const) {
      expect(ttl(seconds, nanos)).toEqual([["ttl", "DURATION_OUT_OF_RANGE"]]);
    }
  });
});

describe("assertStorable", () => {
  it("passes a storable message", () => {
    expect(() => assertStorable(MemorySchema, create(MemorySchema, { content: "fine" }))).not.toThrow();
  });

  it("throws INVALID_ARGUMENT with the first violation's reason and every violation listed", () => {
    let err: unknown;
    try {
      assertStorable(MemorySchema, create(MemorySchema, { content: "\ud800", title: "\u0000" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      kind: "invalid_argument",
      reason: "INVALID_UNICODE",
      message: `content: ${SURROGATE}; title: ${NUL}`,
      fieldViolations: [
        { field: "content", description: SURROGATE },
        { field: "title", description: NUL },
      ],
    });
  });

  it("reports at most 20 violations", () => {
    const tags = Array.from({ length: 30 }, (_, i) => `t${i}\u0000`);
    const violations = memory({ tags, metadata: { a: "\u0000" } });
    expect(violations).toHaveLength(20);
    // metadata (field 11) is walked before tags (field 13).
    expect(violations[0]?.field).toBe("metadata.a");
    expect(violations.at(-1)?.field).toBe("tags[18]");
  });
});
