import { describe, expect, it } from "vitest";
import { REVISIONS_PER_READ, revisionRuns, type ExportedMemory } from "./exported-items.js";
import type { MemoryRecord } from "../record.js";

/** A memory at `revision`: it has at most that many revisions. */
const memory = (id: string, revision: number): ExportedMemory => ({
  record: { id, revision: BigInt(revision) } as MemoryRecord,
  vector: null,
});
const ids = (runs: ExportedMemory[][]) => runs.map((run) => run.map((m) => m.record.id));

describe("revision runs", () => {
  it("read a page's revisions at most REVISIONS_PER_READ at a time, in the page's order", () => {
    const page = [
      memory("a", 1),
      memory("b", REVISIONS_PER_READ - 1),
      memory("c", 1),
      memory("d", REVISIONS_PER_READ - 1),
      memory("e", 1),
    ];
    expect(ids(revisionRuns(page))).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("read a memory with more revisions than that alone, and a page of few in one read", () => {
    const page = [memory("a", 3), memory("long", REVISIONS_PER_READ * 5), memory("b", 2), memory("c", 1)];
    expect(ids(revisionRuns(page))).toEqual([["a"], ["long"], ["b", "c"]]);
    expect(ids(revisionRuns(page.slice(2)))).toEqual([["b", "c"]]);
    expect(revisionRuns([])).toEqual([]);
  });
});
