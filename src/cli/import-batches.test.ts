import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExportMemoriesResponseSchema, type ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MAX_CONTENT_CHARS, MAX_REQUEST_BYTES } from "../api/limits.js";
import { batchLimits, IMPORT_BATCH_BYTES, importBatches, type NumberedItem } from "./import-batches.js";

/** A memory at the content limit in 4-byte characters (200 KB) with `revisions` revisions of the same. */
function largeMemory(id: string, revisions: number): ExportMemoriesResponse {
  const content = "😀".repeat(MAX_CONTENT_CHARS);
  const memory = { id, subjectType: "contact", subjectId: "ana", kind: "note", content };
  return create(ExportMemoriesResponseSchema, {
    memory,
    revisions: Array.from({ length: revisions }, (_, i) => ({ revision: BigInt(i + 1), memory })),
  });
}

const numbered = (items: ExportMemoriesResponse[]): NumberedItem[] => items.map((item, i) => ({ item, number: i + 1 }));

async function batchesOf(items: NumberedItem[], throughServer = true) {
  const batches = [];
  for await (const batch of importBatches(
    items,
    batchLimits(throughServer, (n) => `f.jsonl:${n}`),
  )) {
    batches.push(batch);
  }
  return batches;
}

describe("import batches", () => {
  it("cut a hundred memories at the content limit, with their revisions, to fit a request", async () => {
    const items = numbered(Array.from({ length: 100 }, (_, i) => largeMemory(`m${i}`, 2)));
    const total = items.reduce((sum, { item }) => sum + toBinary(ExportMemoriesResponseSchema, item).byteLength, 0);
    expect(total).toBeGreaterThan(MAX_REQUEST_BYTES); // one batch of 100 would be refused whole
    const batches = await batchesOf(items);
    expect(batches.length).toBeGreaterThan(1);
    for (const { items: batch } of batches) {
      const bytes = batch.reduce((sum, item) => sum + toBinary(ExportMemoriesResponseSchema, item).byteLength, 0);
      expect(bytes).toBeLessThanOrEqual(IMPORT_BATCH_BYTES);
    }
    // Every memory once, in order, each batch numbered from its first.
    expect(batches.flatMap((b) => b.items.map((item) => item.memory?.id))).toEqual(items.map((n) => n.item.memory?.id));
    expect(batches.map((b) => b.firstNumber)).toEqual(
      batches.map((_, i) => 1 + batches.slice(0, i).reduce((sum, b) => sum + b.items.length, 0)),
    );
  });

  it("keep to a hundred memories a call when they are small", async () => {
    const small = numbered(
      Array.from({ length: 250 }, (_, i) => create(ExportMemoriesResponseSchema, { memory: { id: `m${i}` } })),
    );
    expect((await batchesOf(small)).map((b) => [b.firstNumber, b.items.length])).toEqual([
      [1, 100],
      [101, 100],
      [201, 50],
    ]);
  });

  it("send a memory larger than a batch alone", async () => {
    const items = numbered([largeMemory("small", 0), largeMemory("long history", 90), largeMemory("after", 0)]);
    expect((await batchesOf(items)).map((b) => b.items.map((item) => item.memory?.id))).toEqual([
      ["small"],
      ["long history"],
      ["after"],
    ]);
  });

  it("refuse a memory no request to a server can hold, naming its line and what to do", async () => {
    const items = numbered([largeMemory("first", 0), largeMemory("too long", 170)]);
    await expect(batchesOf(items)).rejects.toThrow(
      /^f\.jsonl:2: this memory with its 170 revisions takes 3\d\.\d MiB, more than a server reads in one request .* import the file into its database/,
    );
    // Into the database there is no request to fit.
    expect((await batchesOf(items, false)).map((b) => b.items.length)).toEqual([1, 1]);
  });
});
