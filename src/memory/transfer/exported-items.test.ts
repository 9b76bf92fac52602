import { describe, expect, it } from "vitest";
import { REVISIONS_PER_READ, revisionRuns, type ExportedMemory } from "./exported-items.js";
import type { MemoryRecord } from "../record.js";

const memory = (id: string): ExportedMemory => ({ record: { id } as MemoryRecord, vector: null });
const ids = (runs: ExportedMemory[][]) => runs.map((run) => run.map((m) => m.record.id));

describe("revision runs", () => {
  it("read a page's revisions at most REVISIONS_PER_READ at a time, in the page's order", () => {
    const page = ["a", "b", "c", "d", "e"].map(memory);
    const counts = new Map([
      ["a", 1],
      ["b", REVISIONS_PER_READ - 1],
      ["c", 1],
      ["d", REVISIONS_PER_READ - 1],
      ["e", 1],
    ]);
    expect(ids(revisionRuns(page, counts))).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("read a memory with more revisions than that alone, and a page of few in one read", () => {
    const page = ["a", "long", "b", "c"].map(memory);
    const counts = new Map([
      ["a", 3],
      ["long", REVISIONS_PER_READ * 5],
      ["b", 2],
      ["c", 1],
    ]);
    expect(ids(revisionRuns(page, counts))).toEqual([["a"], ["long"], ["b", "c"]]);
    expect(ids(revisionRuns(page.slice(2), counts))).toEqual([["b", "c"]]);
    expect(revisionRuns([], counts)).toEqual([]);
  });
});
