/**
 * UpdateMemory (field masks, etags, natural-key collisions), soft DeleteMemory,
 * UndeleteMemory, and GetMemory of deleted and expired memories.
 */
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryState, Provenance, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { expectError, violatedFields } from "../../support/codes.js";
import { hoursFromNow, unique, useServer, type MemoryInit } from "./write-list-support.js";

const ctx = useServer();

/** Writes a fully populated memory about a fresh contact and returns it. */
async function written(overrides: MemoryInit = {}): Promise<Memory> {
  const res = await ctx.admin.writeMemory({
    memory: {
      subjectType: "contact",
      subjectId: unique("contact"),
      kind: "pitch",
      key: "sequences",
      content: "Pitched sequences",
      title: "Sequences pitch",
      tags: ["feature:seq"],
      metadata: { angle: "time" },
      linkedEntities: [{ type: "opportunity", id: "o1" }],
      confidence: 0.7,
      sourceKind: "email_send",
      sourceId: "e1",
      provenance: Provenance.OBSERVED,
      visibility: Visibility.SHARED,
      ...overrides,
    },
  });
  return res.memory!;
}

async function current(id: string): Promise<Memory> {
  return (await ctx.admin.getMemory({ id })).memory!;
}

async function listedIds(subjectId: string, flags: { showDeleted?: boolean; showExpired?: boolean } = {}) {
  const res = await ctx.admin.listMemories({ filter: { subjectId, ...flags } });
  return res.memories.map((m) => m.id);
}

/** The fields an update must leave alone when the mask names only content and tags. */
const UNMASKED = [
  "id",
  "workspaceId",
  "agentId",
  "subjectType",
  "subjectId",
  "kind",
  "key",
  "title",
  "visibility",
  "metadata",
  "linkedEntities",
  "confidence",
  "sourceKind",
  "sourceId",
  "provenance",
  "parentMemoryId",
  "expireTime",
  "state",
  "createTime",
  "deleteTime",
] as const;
const unmaskedView = (m: Memory) => Object.fromEntries(UNMASKED.map((f) => [f, m[f]]));

describe("UpdateMemory", () => {
  it("changes only the fields in update_mask, revision + 1, new etag", async () => {
    const before = await written();
    const res = await ctx.admin.updateMemory({
      id: before.id,
      memory: {
        content: "Pitched sequences, again",
        tags: ["feature:seq", "angle:roi"],
        title: "ignored",
        confidence: 0.1,
        key: "ignored",
      },
      updateMask: { paths: ["content", "tags"] },
    });
    const after = res.memory!;
    expect(after.content).toBe("Pitched sequences, again");
    expect(after.tags).toEqual(["feature:seq", "angle:roi"]);
    expect(after.revision).toBe(before.revision + 1n);
    expect(after.etag).not.toBe(before.etag);
    expect(unmaskedView(after)).toEqual(unmaskedView(before));
    expect(await current(before.id)).toEqual(after);
  });

  it.each<[string, MemoryInit, (m: Memory) => unknown, unknown]>([
    ["title", { title: "New title" }, (m: Memory) => m.title, "New title"],
    ["metadata", { metadata: { angle: "roi", extra: true } }, (m: Memory) => m.metadata, { angle: "roi", extra: true }],
    ["confidence", { confidence: 0.25 }, (m: Memory) => m.confidence, 0.25],
    ["visibility", { visibility: Visibility.PRIVATE }, (m: Memory) => m.visibility, Visibility.PRIVATE],
    [
      "linked_entities",
      { linkedEntities: [{ type: "email", id: "e2" }] },
      (m: Memory) => m.linkedEntities.map(({ type, id }) => ({ type, id })),
      [{ type: "email", id: "e2" }],
    ],
    ["source_id", { sourceId: "" }, (m: Memory) => m.sourceId, ""],
  ])("mask %s sets just that field", async (path, memory, read, expected) => {
    const before = await written();
    const after = (await ctx.admin.updateMemory({ id: before.id, memory, updateMask: { paths: [path] } })).memory!;
    expect(read(after)).toEqual(expected);
    expect(after.content).toBe(before.content);
    expect(after.revision).toBe(2n);
  });

  it('mask "*" replaces every writable field', async () => {
    const before = await written();
    const after = (
      await ctx.admin.updateMemory({
        id: before.id,
        memory: { subjectType: "contact", subjectId: before.subjectId, kind: "pitch", content: "Only this pitch" },
        updateMask: { paths: ["*"] },
      })
    ).memory!;
    expect(after).toMatchObject({
      id: before.id,
      content: "Only this pitch",
      key: "",
      title: "",
      tags: [],
      metadata: {},
      linkedEntities: [],
      sourceKind: "",
      revision: 2n,
    });
  });

  it("a matching etag updates; a stale etag is ABORTED and changes nothing", async () => {
    const before = await written();
    const updated = await ctx.admin.updateMemory({
      id: before.id,
      etag: before.etag,
      memory: { title: "v2" },
      updateMask: { paths: ["title"] },
    });
    expect(updated.memory?.title).toBe("v2");

    await expectError(
      ctx.admin.updateMemory({
        id: before.id,
        etag: before.etag,
        memory: { title: "v3" },
        updateMask: { paths: ["title"] },
      }),
      Code.Aborted,
      "ETAG_MISMATCH",
    );
    expect(await current(before.id)).toMatchObject({ title: "v2", revision: 2n });
  });

  it.each([["no_such_field"], ["revision"], ["id"], ["state"]])("mask path %j is INVALID_ARGUMENT", async (path) => {
    const before = await written();
    const err = await expectError(
      ctx.admin.updateMemory({ id: before.id, memory: { title: "x" }, updateMask: { paths: ["title", path] } }),
      Code.InvalidArgument,
    );
    expect(violatedFields(err)).toContain("update_mask");
    expect(await current(before.id)).toEqual(before);
  });

  it("an empty mask and clearing a required field are INVALID_ARGUMENT", async () => {
    const before = await written();
    await expectError(
      ctx.admin.updateMemory({ id: before.id, memory: { title: "x" }, updateMask: { paths: [] } }),
      Code.InvalidArgument,
    );
    const err = await expectError(
      ctx.admin.updateMemory({ id: before.id, memory: { content: "" }, updateMask: { paths: ["content"] } }),
      Code.InvalidArgument,
    );
    expect(violatedFields(err)).toEqual(["memory.content"]);
    expect(await current(before.id)).toEqual(before);
  });

  // Each case: a memory ("mover") next to one holding key "taken", then an update that would collide.
  it.each([
    ["key", (t: Memory) => ({ subjectId: t.subjectId, key: "free" }), (t: Memory) => ({ key: t.key }), ["key"]],
    ["subject_id", () => ({ key: "taken" }), (t: Memory) => ({ subjectId: t.subjectId }), ["subject_id"]],
    [
      "kind",
      (t: Memory) => ({ subjectId: t.subjectId, kind: "objection", key: "taken" }),
      () => ({ kind: "pitch" }),
      ["kind"],
    ],
  ])("moving a memory's %s onto an existing natural key is ALREADY_EXISTS", async (_, moverInit, change, paths) => {
    const taken = await written({ key: "taken" });
    const mover = await written(moverInit(taken));
    await expectError(
      ctx.admin.updateMemory({ id: mover.id, memory: change(taken), updateMask: { paths } }),
      Code.AlreadyExists,
      "NATURAL_KEY_TAKEN",
    );
    expect(await current(mover.id)).toEqual(mover);
    expect(await current(taken.id)).toEqual(taken);
  });

  it("moving a key onto a free one works, and keyed writes then find it there", async () => {
    const m = await written({ key: "old" });
    const moved = (await ctx.admin.updateMemory({ id: m.id, memory: { key: "new" }, updateMask: { paths: ["key"] } }))
      .memory!;
    expect(moved.key).toBe("new");
    const upsert = await ctx.admin.writeMemory({
      memory: { subjectType: "contact", subjectId: m.subjectId, kind: "pitch", key: "new", content: "via key" },
    });
    expect(WriteOutcome[upsert.outcome]).toBe("UPDATED");
    expect(upsert.memory?.id).toBe(m.id);
  });

  it("updating a deleted memory is FAILED_PRECONDITION", async () => {
    const m = await written();
    await ctx.admin.deleteMemory({ id: m.id });
    await expectError(
      ctx.admin.updateMemory({ id: m.id, memory: { title: "x" }, updateMask: { paths: ["title"] } }),
      Code.FailedPrecondition,
      "MEMORY_DELETED",
    );
  });

  it("an unknown id is NOT_FOUND", async () => {
    await expectError(
      ctx.admin.updateMemory({ id: randomUUID(), memory: { title: "x" }, updateMask: { paths: ["title"] } }),
      Code.NotFound,
      "MEMORY_NOT_FOUND",
    );
  });
});

describe("DeleteMemory and UndeleteMemory", () => {
  it("delete is soft: Get returns it DELETED with the reason, List hides it unless show_deleted", async () => {
    const m = await written();
    const deleted = (await ctx.admin.deleteMemory({ id: m.id, reason: "contact asked us to forget" })).memory!;
    expect(deleted).toMatchObject({
      id: m.id,
      state: MemoryState.DELETED,
      forgetReason: "contact asked us to forget",
      revision: 2n,
    });
    expect(deleted.deleteTime).toBeDefined();

    const got = await current(m.id);
    expect(got).toMatchObject({
      state: MemoryState.DELETED,
      content: m.content,
      forgetReason: "contact asked us to forget",
    });
    expect(await listedIds(m.subjectId)).toEqual([]);
    expect(await listedIds(m.subjectId, { showDeleted: true })).toEqual([m.id]);
  });

  it("deleting twice changes nothing the second time", async () => {
    const m = await written();
    const first = (await ctx.admin.deleteMemory({ id: m.id })).memory!;
    const second = (await ctx.admin.deleteMemory({ id: m.id })).memory!;
    expect(second.revision).toBe(first.revision);
    expect(second.deleteTime).toEqual(first.deleteTime);
  });

  it("a delete with a stale etag is ABORTED and the memory stays", async () => {
    const m = await written();
    await ctx.admin.updateMemory({ id: m.id, memory: { title: "changed" }, updateMask: { paths: ["title"] } });
    await expectError(ctx.admin.deleteMemory({ id: m.id, etag: m.etag }), Code.Aborted, "ETAG_MISMATCH");
    expect((await current(m.id)).state).toBe(MemoryState.ACTIVE);
  });

  it("undelete restores it: ACTIVE, delete_time and forget_reason cleared, listed again", async () => {
    const m = await written();
    await ctx.admin.deleteMemory({ id: m.id, reason: "oops" });
    const restored = (await ctx.admin.undeleteMemory({ id: m.id })).memory!;
    expect(restored).toMatchObject({
      id: m.id,
      state: MemoryState.ACTIVE,
      forgetReason: "",
      content: m.content,
      revision: 3n,
    });
    expect(restored.deleteTime).toBeUndefined();
    expect(await current(m.id)).toEqual(restored);
    expect(await listedIds(m.subjectId)).toEqual([m.id]);
  });

  it("delete and undelete of an unknown id are NOT_FOUND", async () => {
    await expectError(ctx.admin.deleteMemory({ id: randomUUID() }), Code.NotFound, "MEMORY_NOT_FOUND");
    await expectError(ctx.admin.undeleteMemory({ id: randomUUID() }), Code.NotFound, "MEMORY_NOT_FOUND");
  });
});

describe("GetMemory", () => {
  it("returns an expired memory with state EXPIRED; List hides it unless show_expired", async () => {
    const m = await written({ expireTime: hoursFromNow(-2) });
    const got = await current(m.id);
    expect(got).toMatchObject({ id: m.id, state: MemoryState.EXPIRED, content: m.content });
    expect(got.expireTime).toEqual(m.expireTime);
    expect(await listedIds(m.subjectId)).toEqual([]);
    expect(await listedIds(m.subjectId, { showExpired: true })).toEqual([m.id]);
  });

  it("returns a memory that expires later as ACTIVE", async () => {
    const m = await written({ expireTime: hoursFromNow(2) });
    expect((await current(m.id)).state).toBe(MemoryState.ACTIVE);
    expect(await listedIds(m.subjectId)).toEqual([m.id]);
  });

  it.each([
    { kind: "an unused UUID", id: randomUUID() },
    { kind: "a malformed id", id: "not-a-uuid" },
  ])("GetMemory of $kind is NOT_FOUND", async ({ id }) => {
    await expectError(ctx.admin.getMemory({ id }), Code.NotFound, "MEMORY_NOT_FOUND");
  });
});
