/**
 * Memory history: a revision for every kind of change, none for a write that changes nothing,
 * reads as of earlier instants, and history visible exactly as the memory is.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, MemoryState, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { sweep } from "../../../src/memory/queue/sweeper.js";
import { codeOf } from "../../support/codes.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { anAgentId } from "../../support/factories/key.js";
import { aNoteWrite, type MemoryInit } from "../../support/factories/memory.js";
import { aWorkspaceId } from "../../support/factories/workspace.js";

/** The clock every write and read of this file sees: each test moves it on. */
let clock = new Date("2030-01-01T00:00:00.000Z");
const tick = (minutes = 1) => (clock = new Date(clock.getTime() + minutes * 60_000));

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ memory: { now: () => clock } });
});
afterAll(() => services.close());

/** A contact's preferred channel: one memory at one natural key, revised by each write. */
const keyed = (subjectId: string, content: string, extra: MemoryInit = {}) =>
  aNoteWrite(subjectId, content, { kind: "preference", key: "channel", ...extra });

async function history(id: string, agentId = "") {
  const { revisions } = await services.memories({ agentId: agentId || undefined }).listMemoryRevisions({ id, agentId });
  return revisions;
}

describe("revisions", () => {
  it("records every kind of change, newest first, with the fields each changed", async () => {
    const a = anAgentId();
    const memories = services.memories({ agentId: a });
    const subjectId = randomUUID();
    const created = (await memories.writeMemory(keyed(subjectId, "Prefers email"))).memory!;
    tick();
    await memories.writeMemory(keyed(subjectId, "Prefers phone calls"));
    tick();
    await memories.updateMemory({ id: created.id, memory: { title: "Channel" }, updateMask: { paths: ["title"] } });
    tick();
    await memories.deleteMemory({ id: created.id, reason: "stale" });
    tick();
    await memories.undeleteMemory({ id: created.id });
    tick();
    await memories.deleteMemory({ id: created.id });
    tick();
    const revived = await memories.writeMemory(keyed(subjectId, "Prefers SMS"));
    expect(revived.outcome).toBe(WriteOutcome.REVIVED);
    tick();
    const merged = (
      await memories.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content: "Has a dog" } })
    ).memory!;
    tick();
    await memories.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: "has a dog", tags: ["pets"] },
    });

    const revisions = await history(created.id, a);
    expect(revisions.map((r) => [r.revision, MemoryChange[r.change]])).toEqual([
      [7n, "REVIVED"],
      [6n, "DELETED"],
      [5n, "UNDELETED"],
      [4n, "DELETED"],
      [3n, "UPDATED"],
      [2n, "UPSERTED"],
      [1n, "CREATED"],
    ]);
    const byRevision = new Map(revisions.map((r) => [r.revision, r]));
    expect(byRevision.get(1n)?.memory?.content).toBe("Prefers email");
    expect(byRevision.get(2n)?.changedFields).toEqual(["content"]);
    expect(byRevision.get(3n)?.changedFields).toEqual(["title"]);
    expect(byRevision.get(4n)?.reason).toBe("stale");
    expect(byRevision.get(4n)?.memory?.state).toBe(MemoryState.DELETED);
    expect(byRevision.get(4n)?.changedFields).toEqual(
      expect.arrayContaining(["forget_reason", "state", "delete_time"]),
    );
    expect(byRevision.get(7n)?.memory?.content).toBe("Prefers SMS");
    for (const r of revisions) {
      expect(r.agentId).toBe(a);
      expect(r.keyId).not.toBe("");
      expect(r.memory?.revision).toBe(r.revision);
    }
    expect(revisions.map((r) => r.changeTime?.seconds)).toEqual(
      [...revisions].map((r) => r.changeTime?.seconds).sort((x, y) => Number((y ?? 0n) - (x ?? 0n))),
    );

    // A repeat that adds nothing merges without a revision.
    const repeat = await memories.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: "Has a dog" },
    });
    expect([repeat.outcome, repeat.memory?.revision]).toEqual([WriteOutcome.MERGED, 2n]);
    const mergedHistory = await history(merged.id, a);
    expect(mergedHistory.map((r) => MemoryChange[r.change])).toEqual(["MERGED", "CREATED"]);
    expect(mergedHistory[0]?.changedFields).toEqual(["tags"]);
  });

  it("pages through a long history with page tokens, and refuses a token for another memory", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const id = (await memories.writeMemory(keyed(subjectId, "v0"))).memory!.id;
    for (let i = 1; i <= 6; i++) await memories.writeMemory(keyed(subjectId, `v${i}`));
    const first = await memories.listMemoryRevisions({ id, pageSize: 3 });
    expect(first.revisions.map((r) => r.revision)).toEqual([7n, 6n, 5n]);
    // The page's oldest is still compared with the revision below it.
    expect(first.revisions[2]?.changedFields).toEqual(["content"]);
    const second = await memories.listMemoryRevisions({ id, pageSize: 3, pageToken: first.nextPageToken });
    expect(second.revisions.map((r) => r.revision)).toEqual([4n, 3n, 2n]);
    const third = await memories.listMemoryRevisions({ id, pageSize: 3, pageToken: second.nextPageToken });
    expect(third.revisions.map((r) => r.revision)).toEqual([1n]);
    expect(third.nextPageToken).toBe("");
    const other = (await memories.writeMemory(keyed(randomUUID(), "x"))).memory!.id;
    expect(await codeOf(memories.listMemoryRevisions({ id: other, pageToken: first.nextPageToken }))).toBe(
      "InvalidArgument",
    );
  });

  it("makes no revision for a keyed write or an update that changes nothing, and says so", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const write = keyed(subjectId, "Prefers email", { tags: ["b", "a"], metadata: { x: 1, y: [1, 2] } });
    const first = await memories.writeMemory(write);
    tick();
    const again = await memories.writeMemory(write);
    expect(again.outcome).toBe(WriteOutcome.UNCHANGED);
    expect(again.memory?.revision).toBe(1n);
    expect(again.memory?.updateTime).toEqual(first.memory?.updateTime);
    const update = await memories.updateMemory({
      id: first.memory!.id,
      memory: { content: "Prefers email", tags: ["b", "a"] },
      updateMask: { paths: ["content", "tags"] },
    });
    expect(update.outcome).toBe(WriteOutcome.UNCHANGED);
    expect(update.memory?.revision).toBe(1n);
    const changed = await memories.updateMemory({
      id: first.memory!.id,
      memory: { title: "Channel" },
      updateMask: { paths: ["title"] },
    });
    expect(changed.outcome).toBe(WriteOutcome.UPDATED);
    const { revisions } = await memories.listMemoryRevisions({ id: first.memory!.id });
    expect(revisions.map((r) => r.revision)).toEqual([2n, 1n]);
  });

  it("reads a memory and a list as they were at several instants", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const before = tick();
    tick();
    const id = (await memories.writeMemory(keyed(subjectId, "Prefers email"))).memory!.id;
    const t1 = tick();
    tick();
    await memories.writeMemory(keyed(subjectId, "Prefers phone"));
    const t2 = tick();
    tick();
    await memories.deleteMemory({ id });
    const t3 = tick();
    tick();
    const other = (
      await memories.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content: "Owns a cat" } })
    ).memory!.id;

    const at = async (t: Date) => (await memories.getMemory({ id, asOf: timestampFromDate(t) })).memory!;
    expect(await codeOf(memories.getMemory({ id, asOf: timestampFromDate(before) }))).toBe("NotFound");
    expect((await at(t1)).content).toBe("Prefers email");
    expect((await at(t2)).content).toBe("Prefers phone");
    expect((await at(t3)).state).toBe(MemoryState.DELETED);

    const listAt = async (t: Date, showDeleted = false) =>
      (await memories.listMemories({ filter: { subjectId, showDeleted }, asOf: timestampFromDate(t) })).memories.map(
        (m) => [m.id, m.content],
      );
    expect(await listAt(before)).toEqual([]);
    expect(await listAt(t1)).toEqual([[id, "Prefers email"]]);
    expect(await listAt(t2)).toEqual([[id, "Prefers phone"]]);
    expect(await listAt(t3)).toEqual([]);
    expect(await listAt(t3, true)).toEqual([[id, "Prefers phone"]]);
    expect((await listAt(tick())).map(([m]) => m)).toEqual([other]);
    const kinds = await memories.listMemories({
      filter: { subjectId, kinds: ["preference"], showDeleted: true },
      asOf: timestampFromDate(t2),
    });
    expect(kinds.memories.map((m) => m.id)).toEqual([id]);
  });

  it("pages an as-of list, and the token holds only for that instant", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    for (let i = 0; i < 5; i++) {
      tick();
      await memories.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content: `fact ${i}` } });
    }
    const asOf = timestampFromDate(tick());
    const first = await memories.listMemories({ filter: { subjectId }, asOf, pageSize: 3 });
    const second = await memories.listMemories({
      filter: { subjectId },
      asOf,
      pageSize: 3,
      pageToken: first.nextPageToken,
    });
    expect([...first.memories, ...second.memories].map((m) => m.content)).toEqual([
      "fact 4",
      "fact 3",
      "fact 2",
      "fact 1",
      "fact 0",
    ]);
    const elsewhen = timestampFromDate(tick());
    expect(
      await codeOf(memories.listMemories({ filter: { subjectId }, asOf: elsewhen, pageToken: first.nextPageToken })),
    ).toBe("InvalidArgument");
  });

  it("shows history only to those who may read the memory, in its workspace", async () => {
    const owner = anAgentId();
    const subjectId = randomUUID();
    const mine = services.memories({ agentId: owner });
    const id = (await mine.writeMemory(keyed(subjectId, "Private thought"))).memory!.id;
    const asOf = timestampFromDate(tick());
    tick();
    const stranger = services.memories({ agentId: anAgentId() });
    expect(await codeOf(stranger.listMemoryRevisions({ id }))).toBe("NotFound");
    expect(await codeOf(stranger.getMemory({ id, asOf }))).toBe("NotFound");
    expect((await stranger.listMemories({ filter: { subjectId }, asOf })).memories).toEqual([]);
    const otherWorkspace = services.memories({ workspaceId: aWorkspaceId(), scopes: ["admin"] });
    expect(await codeOf(otherWorkspace.listMemoryRevisions({ id }))).toBe("NotFound");
    expect(await codeOf(otherWorkspace.getMemory({ id, asOf }))).toBe("NotFound");

    // Shared later: the history is readable now, but not the private revision, in it or as of then.
    await mine.updateMemory({ id, memory: { visibility: Visibility.SHARED }, updateMask: { paths: ["visibility"] } });
    expect((await stranger.listMemoryRevisions({ id })).revisions.map((r) => r.revision)).toEqual([2n]);
    expect(await codeOf(stranger.getMemory({ id, asOf }))).toBe("NotFound");
    expect(await codeOf(stranger.listMemoryRevisions({ id: "not-a-uuid" }))).toBe("NotFound");
  });

  it("records an expiry when the sweeper sees it, and purges history with its memory", async () => {
    const owner = anAgentId();
    const memories = services.memories({ agentId: owner });
    const subjectId = randomUUID();
    const expireAt = new Date(clock.getTime() + 60_000);
    const id = (
      await memories.writeMemory(keyed(subjectId, "Short-lived", { expireTime: timestampFromDate(expireAt) }))
    ).memory!.id;
    await sweep(services.db.em, { memoryDays: 30, changeDays: 7 }, new Date(expireAt.getTime() + 1000));
    const revisions = await history(id, owner);
    expect(revisions.map((r) => MemoryChange[r.change])).toEqual(["EXPIRED", "CREATED"]);
    expect(revisions[0]?.changeTime).toEqual(timestampFromDate(expireAt));
    expect(revisions[0]?.memory?.state).toBe(MemoryState.EXPIRED);
    expect(revisions[0]?.keyId).toBe("");
    // A second round records nothing more.
    await sweep(services.db.em, { memoryDays: 30, changeDays: 7 }, new Date(expireAt.getTime() + 2000));
    expect(await history(id, owner)).toHaveLength(2);
    await sweep(services.db.em, { memoryDays: 30, changeDays: 7 }, new Date(expireAt.getTime() + 31 * 24 * 3_600_000));
    expect(await codeOf(memories.listMemoryRevisions({ id }))).toBe("NotFound");
    const left = await services.db.em
      .getConnection()
      .execute("select count(*)::int as n from memory_revisions where memory_id = ?", [id]);
    expect(left).toEqual([{ n: 0 }]);
  });
});
