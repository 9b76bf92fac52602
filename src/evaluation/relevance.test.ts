import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { LabeledQuerySchema } from "../../gen/ts/engram/v1/search_service_pb.js";
import { contains, expectedItems, matches } from "./relevance.js";

const memory = { id: "3f0c0f1e-0000-4000-8000-000000000001", key: "tone", metadata: { plan: "pro", tags: ["a", "b"] } };

describe("expected items", () => {
  it("makes one item of each expected id, key and metadata object, ids in lower case as stored", () => {
    const q = create(LabeledQuerySchema, {
      query: "q",
      expectedIds: [memory.id.toUpperCase()],
      expectedKeys: ["tone"],
      expectedMetadata: [{ plan: "pro" }],
    });
    const items = expectedItems(q);
    expect(items).toEqual([{ id: memory.id }, { key: "tone" }, { metadata: { plan: "pro" } }]);
    expect(items.map((item) => matches(item, memory))).toEqual([true, true, true]);
    expect(matches({ key: "other" }, memory)).toBe(false);
    expect(matches({ key: "tone" }, { ...memory, key: null })).toBe(false);
    expect(matches({ metadata: { plan: "free" } }, memory)).toBe(false);
  });
});

describe("contains", () => {
  it("matches objects key by key, arrays element by element in any order, and scalars by value", () => {
    expect(contains({ a: 1, b: { c: [1, 2] } }, { b: { c: [2] } })).toBe(true);
    expect(contains({ a: [1, 2] }, { a: [2, 1, 2] })).toBe(true);
    expect(contains({ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] })).toBe(true);
    expect(contains({ a: [1] }, { a: 1 })).toBe(false);
    expect(contains({ a: 1 }, { a: [1] })).toBe(false);
    expect(contains({ a: null }, { a: null })).toBe(true);
    expect(contains({}, { a: null })).toBe(false);
    expect(contains({ a: "1" }, { a: 1 })).toBe(false);
    expect(contains({ a: 1 }, {})).toBe(true);
  });
});
