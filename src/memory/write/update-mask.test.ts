/**
 * UpdateMemory changes exactly the fields its mask names and leaves the rest as stored, so a
 * client sending a partial memory never blanks what it did not mention; a mask naming nothing,
 * an unknown field, or an empty required field is one INVALID_UPDATE listing every problem.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MemorySchema, Provenance, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { DomainError } from "../../errors/domain-error.js";
import { aDraft } from "../../../test/support/records.js";
import type { MemoryRecord } from "../record.js";
import { applyUpdateMask } from "./update-mask.js";

const now = new Date("2025-03-01T12:00:00.000Z");

const target: MemoryRecord = {
  workspaceId: "w1",
  id: "0190a6f2-1c2b-7d3e-8f40-123456789abc",
  agentId: "agent-a",
  subjectType: "contact",
  subjectId: "c-1",
  kind: "preference",
  key: "tone",
  content: "Prefers email",
  title: "Tone",
  visibility: "shared",
  metadata: { source: "crm" },
  tags: ["vip"],
  linkedEntities: [{ type: "company", id: "acme" }],
  relations: [],
  confidence: 0.4,
  sourceKind: "call",
  sourceId: "call-9",
  provenance: "observed",
  parentMemoryId: "parent-1",
  expireTime: new Date("2026-01-01T00:00:00.000Z"),
  forgetReason: null,
  mentions: [{ type: "company", id: "acme", role: "linked" }],
  embeddingModel: "m",
  embeddingStatus: "attached",
  revision: 3n,
  createTime: new Date("2024-01-01T00:00:00.000Z"),
  updateTime: new Date("2024-02-01T00:00:00.000Z"),
  deleteTime: null,
  validFrom: null,
  validUntil: null,
  supersededBy: null,
};

const memory = (init: MessageInitShape<typeof MemorySchema>) => create(MemorySchema, init);

function updateError(paths: string[], init: MessageInitShape<typeof MemorySchema> = {}): DomainError {
  try {
    applyUpdateMask(target, memory(init), paths, now);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected INVALID_UPDATE");
}

describe("applyUpdateMask", () => {
  it("changes only the fields the mask names", () => {
    const draft = applyUpdateMask(target, memory({ content: "Prefers phone", title: "New", kind: "" }), ["title"], now);
    expect(draft.title).toBe("New");
    expect(draft.content).toBe("Prefers email");
    expect(draft.kind).toBe("preference");
    expect(draft.tags).toEqual(["vip"]);
    expect(draft.expireTime).toEqual(target.expireTime);
  });

  it("maps proto field names to draft fields, normalising empty ids to null and deduplicating tags", () => {
    const draft = applyUpdateMask(
      target,
      memory({ subjectId: "", key: "", sourceId: "s-2", tags: ["a", "b", "a"], parentMemoryId: "" }),
      ["subject_id", "key", "source_id", "tags", "parent_memory_id"],
      now,
    );
    expect(draft).toMatchObject({
      subjectId: null,
      key: null,
      sourceId: "s-2",
      tags: ["a", "b"],
      parentMemoryId: null,
    });
    expect(draft.subjectType).toBe("contact");
  });

  it("converts enums and timestamps of the named fields", () => {
    const draft = applyUpdateMask(
      target,
      memory({
        visibility: Visibility.PRIVATE,
        provenance: Provenance.EXPLICIT_STATEMENT,
        expireTime: { seconds: 1_800_000_000n, nanos: 5_000_000 },
      }),
      ["visibility", "provenance", "expire_time"],
      now,
    );
    expect(draft.visibility).toBe("private");
    expect(draft.provenance).toBe("explicit_statement");
    expect(draft.expireTime).toEqual(new Date(1_800_000_000_005));
  });

  it("with * replaces every writable field, so unset ones take their defaults", () => {
    const draft = applyUpdateMask(target, memory({ subjectType: "deal", kind: "fact", content: "Closed" }), ["*"], now);
    expect(draft).toMatchObject(
      aDraft({ agentId: "agent-a", subjectType: "deal", subjectId: null, kind: "fact", content: "Closed" }),
    );
  });

  it("keeps the owner agent of the target: agent_id is not updatable", () => {
    expect(updateError(["agent_id"]).fieldViolations).toEqual([
      { field: "update_mask", description: "agent_id is not a field UpdateMemory can change" },
    ]);
  });

  it("does not modify the stored record it starts from", () => {
    applyUpdateMask(target, memory({ tags: ["other"], content: "x" }), ["tags", "content"], now);
    expect(target.tags).toEqual(["vip"]);
    expect(target.content).toBe("Prefers email");
  });

  it("refuses an empty mask", () => {
    const err = updateError([]);
    expect(err).toMatchObject({ kind: "invalid_argument", reason: "INVALID_UPDATE" });
    expect(err.message).toBe("update_mask: name at least one field to update");
    expect(err.fieldViolations).toEqual([{ field: "update_mask", description: "name at least one field to update" }]);
  });

  it("refuses output-only and unknown fields by name", () => {
    expect(updateError(["revision", "title", "contentz"]).fieldViolations).toEqual([
      { field: "update_mask", description: "revision is not a field UpdateMemory can change" },
      { field: "update_mask", description: "contentz is not a field UpdateMemory can change" },
    ]);
  });

  it("refuses the names every object inherits, which are no fields either", () => {
    const inherited = ["constructor", "__proto__", "toString", "hasOwnProperty"];
    expect(updateError(inherited).fieldViolations).toEqual(
      inherited.map((path) => ({
        field: "update_mask",
        description: `${path} is not a field UpdateMemory can change`,
      })),
    );
  });

  it("refuses emptying each required field it names", () => {
    expect(updateError(["content", "subject_type", "kind"], { content: "", subjectType: "", kind: "" })).toMatchObject({
      reason: "INVALID_UPDATE",
      message:
        "memory.content: content cannot be empty (1 to 50000 characters); " +
        "memory.subject_type: subject_type cannot be empty; memory.kind: kind cannot be empty",
    });
  });

  it("lists unknown fields before empty required ones, in one error", () => {
    expect(updateError(["kind", "bogus"], { kind: "" }).fieldViolations).toEqual([
      { field: "update_mask", description: "bogus is not a field UpdateMemory can change" },
      { field: "memory.kind", description: "kind cannot be empty" },
    ]);
  });

  it("checks required fields named through *", () => {
    expect(updateError(["*"], { subjectType: "contact", kind: "note", content: "" }).fieldViolations).toEqual([
      { field: "memory.content", description: "content cannot be empty (1 to 50000 characters)" },
    ]);
  });

  it("lets a required field stay empty in the request when the mask does not name it", () => {
    const draft = applyUpdateMask(target, memory({ title: "Only title" }), ["title"], now);
    expect(draft.content).toBe("Prefers email");
  });
});
