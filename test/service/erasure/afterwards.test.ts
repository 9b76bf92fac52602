/**
 * After an erasure nothing answers with the memory: not a read, a list as of before it, its
 * revisions, an export or any search mode; watchers get a tombstone, only those who could read
 * the memory, and a watch resumed from before the erasure gets the tombstone and nothing else
 * of it. Receipts are listed to the keys that may see them.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { codeOf } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { erase, ERASER_SCOPES } from "../../support/erasure.js";
import { ADMIN_SCOPES, anAgentId } from "../../support/factories/key.js";
import { searchIds } from "../../support/factories/search.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";
import { watchMemories } from "../../support/watch.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

function aWorkspace() {
  const workspaceId = `erase-${randomUUID()}`;
  const agent = (): Caller => ({ workspaceId, agentId: anAgentId(), scopes: ERASER_SCOPES });
  return { a: agent(), b: agent(), admin: { workspaceId, scopes: ADMIN_SCOPES } as Caller };
}

async function write(caller: Caller, content: string, visibility = Visibility.PRIVATE) {
  const { memory } = await services
    .memories(caller)
    .writeMemory({ memory: { subjectType: "contact", subjectId: "ana", kind: "note", content, visibility } });
  return memory!.id;
}

const pause = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe("after an erasure", () => {
  it("no read, past read, history, export or search mode finds the memory", async () => {
    const { a, admin } = aWorkspace();
    const memories = services.memories(a);
    const id = await write(a, "Quillon marmalade recipe from grandmother");
    const kept = await write(a, "Prefers tea over coffee");
    await pause();
    const before = timestampFromDate(new Date());
    await erase(memories, { ids: [id] });

    expect(await codeOf(memories.getMemory({ id }))).toBe("NotFound");
    expect(await codeOf(memories.getMemory({ id, asOf: before }))).toBe("NotFound");
    expect(await codeOf(memories.listMemoryRevisions({ id }))).toBe("NotFound");
    const past = await memories.listMemories({ filter: { subjectId: "ana", showDeleted: true }, asOf: before });
    expect(past.memories.map((m) => m.id)).toEqual([kept]);
    const exported: string[] = [];
    const adminMemories = services.memories(admin);
    for await (const item of adminMemories.exportMemories({ filter: { showDeleted: true, showExpired: true } })) {
      exported.push(item.memory!.id);
    }
    expect(exported).toEqual([kept]);
    for (const mode of [1, 2, 3]) {
      const found = [];
      for await (const hit of memories.searchMemories({ query: "quillon marmalade recipe", mode }))
        found.push(hit.memory!.id);
      expect(found).not.toContain(id);
    }
    expect(await searchIds(memories, "quillon marmalade")).not.toContain(id);
  });

  it("watchers who could read it get a tombstone; a watch resumed from before gets only that", async () => {
    const { a, b } = aWorkspace();
    const privateId = await write(a, "Private note about the renewal");
    const sharedId = await write(a, "Shared note about the renewal", Visibility.SHARED);
    const mine = watchMemories(services.memories(a));
    const theirs = watchMemories(services.memories(b));
    await Promise.all([mine.opened(), theirs.opened()]);
    const cursor = mine.cursor;
    await erase(services.memories(a), { ids: [privateId, sharedId] });
    const tombstones = (s: typeof mine) =>
      s.changes.filter((c) => c.change === MemoryChange.ERASED).map((c) => c.memory!.id);
    expect(await mine.until((s) => tombstones(s).length === 2)).toBe(true);
    expect(await theirs.until((s) => tombstones(s).length === 1)).toBe(true);
    await pause(100);
    expect(tombstones(theirs)).toEqual([sharedId]);
    const erasedEvent = mine.changes.find((c) => c.change === MemoryChange.ERASED)!;
    expect(erasedEvent.memory).toMatchObject({ content: "", subjectId: "", kind: "" });
    await Promise.all([mine.close(), theirs.close()]);

    // From the heartbeat before the writes were erased: their CREATED changes are gone with them.
    const resumed = watchMemories(services.memories(a), { afterCursor: cursor });
    expect(await resumed.until((s) => tombstones(s).length === 2)).toBe(true);
    await pause(100);
    expect(resumed.changes.map((c) => c.change)).toEqual([MemoryChange.ERASED, MemoryChange.ERASED]);
    await resumed.close();
  });
});

describe("erasure receipts", () => {
  it("are listed to an admin for the workspace, to another key for its own erasures", async () => {
    const { a, b, admin } = aWorkspace();
    const other = aWorkspace();
    const byA = await erase(services.memories({ ...a, keyId: randomUUID() }), { ids: [await write(a, "Alpha note")] });
    const keyB = randomUUID();
    const byB = await erase(services.memories({ ...b, keyId: keyB }), { ids: [await write(b, "Beta note")] });
    await erase(services.memories(other.admin), { ids: [await write(other.a, "Gamma note")] });

    const listed = async (c: Caller) => (await services.memories(c).listErasureReceipts({})).receipts.map((r) => r.id);
    expect(await listed(admin)).toEqual([byB.receipt.id, byA.receipt.id]);
    expect(await listed({ ...b, keyId: keyB })).toEqual([byB.receipt.id]);
    expect(await codeOf(services.memories({ ...b, keyId: keyB }).getErasureReceipt({ id: byA.receipt.id }))).toBe(
      "NotFound",
    );
    expect(await codeOf(services.memories(other.admin).getErasureReceipt({ id: byA.receipt.id }))).toBe("NotFound");
    expect(await codeOf(services.memories(admin).getErasureReceipt({ id: "not-a-receipt" }))).toBe("NotFound");

    const { receipt } = await services.memories(admin).getErasureReceipt({ id: byB.receipt.id });
    expect(receipt).toMatchObject({ keyId: keyB, agentId: b.agentId, requestedIds: 1, complete: true, dryRun: false });
    expect(receipt?.erasedIdsDigest).toMatch(/^[0-9a-f]{64}$/);
    const page = await services.memories(admin).listErasureReceipts({ pageSize: 1 });
    expect(page.receipts.map((r) => r.id)).toEqual([byB.receipt.id]);
    const next = await services.memories(admin).listErasureReceipts({ pageSize: 1, pageToken: page.nextPageToken });
    expect(next.receipts.map((r) => r.id)).toEqual([byA.receipt.id]);
  });
});
