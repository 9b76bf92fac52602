/**
 * A repeated keyless write must never lose what either write knew: tags, entities and
 * metadata are unioned (newer metadata wins per key), confidence only rises, the memory lives
 * as long as the longer-lived write, and everything that identifies the memory stays the target's.
 */
import { describe, expect, it } from "vitest";
import type { MemoryDraft, MemoryRecord } from "../record.js";
import { aDraft, aRecord } from "../../../test/support/records.js";
import { mergeDrafts } from "./merge.js";

const draft = (over: Partial<MemoryDraft> = {}): MemoryDraft =>
  aDraft({ agentId: "agent-a", content: "Prefers email", confidence: 0.5, ...over });

const record = (over: Partial<MemoryRecord> = {}): MemoryRecord =>
  aRecord({ ...draft(), revision: 2n, updateTime: new Date("2024-01-02T00:00:00.000Z"), ...over });

const jan = new Date("2025-01-01T00:00:00.000Z");
const jun = new Date("2025-06-01T00:00:00.000Z");

describe("mergeDrafts", () => {
  it("unions tags, the target's first, without duplicates", () => {
    const merged = mergeDrafts(record({ tags: ["vip", "email"] }), draft({ tags: ["email", "new", "vip", "late"] }));
    expect(merged.tags).toEqual(["vip", "email", "new", "late"]);
  });

  it("unions linked entities by type and id together", () => {
    const merged = mergeDrafts(
      record({ linkedEntities: [{ type: "company", id: "acme" }] }),
      draft({
        linkedEntities: [
          { type: "company", id: "acme" },
          { type: "person", id: "acme" },
          { type: "company", id: "globex" },
        ],
      }),
    );
    expect(merged.linkedEntities).toEqual([
      { type: "company", id: "acme" },
      { type: "person", id: "acme" },
      { type: "company", id: "globex" },
    ]);
  });

  it("unions metadata keys, the incoming value winning where both have one", () => {
    const merged = mergeDrafts(
      record({ metadata: { channel: "email", score: 1 } }),
      draft({ metadata: { score: 2, region: "eu" } }),
    );
    expect(merged.metadata).toEqual({ channel: "email", score: 2, region: "eu" });
  });

  it("takes the higher confidence, whichever side holds it", () => {
    expect(mergeDrafts(record({ confidence: 0.3 }), draft({ confidence: 0.9 })).confidence).toBe(0.9);
    expect(mergeDrafts(record({ confidence: 0.9 }), draft({ confidence: 0.3 })).confidence).toBe(0.9);
  });

  it("keeps the later expiry when both expire", () => {
    expect(mergeDrafts(record({ expireTime: jan }), draft({ expireTime: jun })).expireTime).toEqual(jun);
    expect(mergeDrafts(record({ expireTime: jun }), draft({ expireTime: jan })).expireTime).toEqual(jun);
  });

  it("never expires when either side never expires", () => {
    expect(mergeDrafts(record({ expireTime: null }), draft({ expireTime: jun })).expireTime).toBeNull();
    expect(mergeDrafts(record({ expireTime: jun }), draft({ expireTime: null })).expireTime).toBeNull();
  });

  it("returns a fresh expiry date, not one shared with either input", () => {
    const target = record({ expireTime: new Date(jun) });
    const merged = mergeDrafts(target, draft({ expireTime: jan }));
    expect(merged.expireTime).not.toBe(target.expireTime);
  });

  it("keeps the target's content, title, visibility and provenance", () => {
    const merged = mergeDrafts(
      record({ content: "Prefers email", title: "Channel", visibility: "shared", provenance: "observed" }),
      draft({ content: "  PREFERS   email ", title: "Other", visibility: "private", provenance: "inferred" }),
    );
    expect(merged).toMatchObject({
      content: "Prefers email",
      title: "Channel",
      visibility: "shared",
      provenance: "observed",
    });
  });

  it("leaves both inputs unchanged", () => {
    const target = record({ tags: ["a"], metadata: { k: 1 }, linkedEntities: [{ type: "t", id: "1" }] });
    const incoming = draft({ tags: ["b"], metadata: { k: 2 }, linkedEntities: [{ type: "t", id: "2" }] });
    mergeDrafts(target, incoming);
    expect(target).toMatchObject({ tags: ["a"], metadata: { k: 1 }, linkedEntities: [{ type: "t", id: "1" }] });
    expect(incoming).toMatchObject({ tags: ["b"], metadata: { k: 2 }, linkedEntities: [{ type: "t", id: "2" }] });
  });
});
