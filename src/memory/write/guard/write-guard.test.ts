import { describe, expect, it } from "vitest";
import { aDraft, aRecord } from "../../../../test/support/records.js";
import type { MemoryDraft, MemoryRecord } from "../../record.js";
import { lowInformationReason } from "./low-information.js";
import { CONFLICT_SIMILARITY, judgeNeighbours, MAX_CONFLICTS, MERGE_SIMILARITY } from "./write-guard.js";

const draft: MemoryDraft = aDraft({ agentId: "a", subjectId: "c1", kind: "fact", content: "Tom is 34 years old." });

const record = (patch: Partial<MemoryRecord>): MemoryRecord => aRecord({ ...draft, ...patch });

describe("lowInformationReason", () => {
  it.each(["", "   ", "?!", "the of and", "—…"])("%j has nothing in it", (content) => {
    expect(lowInformationReason(content)).toMatch(/^low information: /);
  });

  it.each(["x", "Tom is 34", "Ça va", "東京", "it is the invoice"])("%j carries something", (content) => {
    expect(lowInformationReason(content)).toBeNull();
  });
});

describe("judgeNeighbours", () => {
  it("merges into the first mergeable neighbour at the threshold, with a confidence of one half there", () => {
    const target = { record: record({ id: "t", content: "Tom is 34." }), similarity: MERGE_SIMILARITY };
    const { mergeInto, note } = judgeNeighbours(draft, [target], null);
    expect(mergeInto).toBe(target);
    expect(note).toMatchObject({ similarity: MERGE_SIMILARITY, confidence: 0.5, conflicts: [] });
  });

  it("never merges across agent, kind or differing numbers; those are conflicts", () => {
    const neighbours = [
      { record: record({ id: "n", content: "Tom is 35 years old." }), similarity: 0.99 },
      { record: record({ id: "k", kind: "note" }), similarity: 0.98 },
      { record: record({ id: "g", agentId: "b" }), similarity: 0.97 },
      { record: record({ id: "x" }), similarity: CONFLICT_SIMILARITY - 0.01 },
    ];
    const { mergeInto, note } = judgeNeighbours(draft, neighbours, null);
    expect(mergeInto).toBeNull();
    expect(note.conflicts.map((c) => c.record.id)).toEqual(["n", "k", "g"].slice(0, MAX_CONFLICTS));
  });

  it("a keyed draft merges with nothing and does not list the memory it replaces", () => {
    const keyed = { ...draft, key: "age" };
    const itself = { record: record({ id: "i", key: "age" }), similarity: 1 };
    const other = { record: record({ id: "o", key: null, content: "Tom turned 34." }), similarity: 0.95 };
    const { mergeInto, note } = judgeNeighbours(keyed, [itself, other], null);
    expect(mergeInto).toBeNull();
    expect(note.conflicts.map((c) => c.record.id)).toEqual(["o"]);
    expect(note.confidence).toBe(1);
  });

  it("a classified kind lowers the confidence by half of its own shortfall", () => {
    const { note } = judgeNeighbours(draft, [], { kind: "fact", confidence: 0.5, reason: "" });
    expect(note).toMatchObject({ confidence: 0.75, classifiedKind: "fact" });
  });
});
