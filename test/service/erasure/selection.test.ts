/**
 * What an erasure by filter takes: the memories matching it in every state that the key may
 * change (an agent its own, an admin any of its workspace), never another workspace's; what a
 * dry run answers; and the requests refused before anything is erased.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { codeOf, failure } from "../../support/codes.js";
import { countWhere, erase, ERASER_SCOPES } from "../../support/erasure.js";
import { ADMIN_SCOPES, anAgentId } from "../../support/factories/key.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

/** Two agents and an admin in a workspace of their own. */
function aWorkspace() {
  const workspaceId = `erase-${randomUUID()}`;
  const agent = (agentId: string): Caller => ({ workspaceId, agentId, scopes: ERASER_SCOPES });
  return { workspaceId, a: agent(anAgentId()), b: agent(anAgentId()), admin: { workspaceId, scopes: ADMIN_SCOPES } };
}

let serial = 0;
async function write(caller: Caller, subjectId: string, extra: { visibility?: Visibility; tags?: string[] } = {}) {
  const content = `Note ${++serial} about ${subjectId}: ${randomUUID()}`;
  const { memory } = await services
    .memories(caller)
    .writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content, ...extra } });
  return memory!.id;
}

const exists = async (id: string) => (await countWhere(services.db, "memories", "id::text = ?", id)) === 1;

describe("EraseMemories by filter", () => {
  it("takes an agent's own memories in every state, not another agent's shared ones", async () => {
    const { a, b } = aWorkspace();
    const active = await write(a, "ana");
    const deleted = await write(a, "ana");
    await services.memories(a).deleteMemory({ id: deleted });
    const shared = await write(a, "ana", { visibility: Visibility.SHARED });
    const theirs = await write(b, "ana", { visibility: Visibility.SHARED });
    const elsewhere = await write(a, "bo");
    const { receipt } = await erase(services.memories(a), {
      filter: { subjectType: "contact", subjectId: "ana" },
    });
    expect(Number(receipt.counts!.memories)).toBe(3);
    expect(await Promise.all([active, deleted, shared].map(exists))).toEqual([false, false, false]);
    expect(await exists(theirs)).toBe(true);
    expect(await exists(elsewhere)).toBe(true);
  });

  it("takes every agent's as an admin, in its own workspace only", async () => {
    const { a, b, admin } = aWorkspace();
    const other = aWorkspace();
    const ids = [await write(a, "ana"), await write(b, "ana"), await write(admin, "ana")];
    const foreign = await write(other.a, "ana");
    const { receipt } = await erase(services.memories(admin), { filter: { subjectId: "ana" } });
    expect(Number(receipt.counts!.memories)).toBe(3);
    expect(await Promise.all(ids.map(exists))).toEqual([false, false, false]);
    expect(await exists(foreign)).toBe(true);
  });

  it("narrows by owner, tags and creation time", async () => {
    const { a, b, admin } = aWorkspace();
    const tagged = await write(a, "ana", { tags: ["pii"] });
    const untagged = await write(a, "ana");
    const bTagged = await write(b, "ana", { tags: ["pii"] });
    const memories = services.memories(admin);
    const byOwner = await erase(memories, { filter: { tags: ["pii"] }, ownerAgentId: a.agentId });
    expect(Number(byOwner.receipt.counts!.memories)).toBe(1);
    expect([await exists(tagged), await exists(bTagged), await exists(untagged)]).toEqual([false, true, true]);
    const future = timestampFromDate(new Date(Date.now() + 3_600_000));
    const none = await erase(memories, { filter: { subjectId: "ana" }, createdAfter: future });
    expect(Number(none.receipt.counts!.memories)).toBe(0);
    const before = await erase(memories, { filter: { subjectId: "ana" }, createdBefore: future });
    expect(Number(before.receipt.counts!.memories)).toBe(2);
  });

  it("takes the memories mentioning an entity, in any role: erasing an entity", async () => {
    const { a, admin } = aWorkspace();
    const memories = services.memories(a);
    const about = (content: string, extra = {}) =>
      memories.writeMemory({ memory: { subjectType: "contact", subjectId: "x", kind: "note", content, ...extra } });
    const linked = (await about("Met at the fair", { linkedEntities: [{ type: "person", id: "zelda q" }] })).memory!.id;
    const subject = (await about("Prefers calls", { subjectType: "person", subjectId: "zelda q" })).memory!.id;
    const other = (await about("Unrelated", { linkedEntities: [{ type: "person", id: "yorick" }] })).memory!.id;
    const { receipt } = await erase(services.memories(admin), {
      filter: { mentions: { type: "person", id: "zelda q" } },
    });
    expect(Number(receipt.counts!.memories)).toBe(2);
    expect([await exists(linked), await exists(subject), await exists(other)]).toEqual([false, false, true]);
    expect(receipt.filter?.mentions).toMatchObject({ type: "person", id: "zelda q" });
  });

  it("answers a dry run with what it would erase, and erases nothing", async () => {
    const { a } = aWorkspace();
    const ids = [await write(a, "ana"), await write(a, "ana")];
    await services.memories(a).updateMemory({ id: ids[0], memory: { title: "t" }, updateMask: { paths: ["title"] } });
    const { receipt, progress } = await erase(services.memories(a), { filter: { subjectId: "ana" }, dryRun: true });
    expect(receipt.dryRun).toBe(true);
    expect(receipt.id).toBe("");
    expect(Number(receipt.counts!.memories)).toBe(2);
    expect(Number(receipt.counts!.revisions)).toBe(3);
    expect(progress).toEqual([]);
    expect(await Promise.all(ids.map(exists))).toEqual([true, true]);
    const { receipts } = await services.memories(a).listErasureReceipts({});
    expect(receipts).toEqual([]);
  });

  it("erases in batches, keeping the receipt with each and reporting progress after it", async () => {
    const small = await startServices({ memory: { erasureBatchSize: 2 } });
    try {
      const a: Caller = { agentId: anAgentId(), scopes: ERASER_SCOPES };
      const memories = small.memories(a);
      // One staged write and one entity that memories of every batch name: a dry run counts each once.
      const zed = { type: "person", id: `zed ${randomUUID()}` };
      const fact = (i: number) => ({
        memory: {
          subjectType: "contact",
          subjectId: "ana",
          kind: "note",
          content: `Fact ${i} ${randomUUID()}`,
          linkedEntities: [zed],
        },
      });
      await small.stagedWrites(a).createStagedWrite({ requests: [0, 1, 2, 3, 4].map(fact), apply: true });
      await small
        .entities(a)
        .updateEntity({ ...zed, entity: { attributes: { role: "buyer" } }, updateMask: { paths: ["attributes"] } });
      const dry = await erase(memories, { filter: { subjectId: "ana" }, dryRun: true });
      const { receipt, progress } = await erase(memories, { filter: { subjectId: "ana" } });
      expect(dry.receipt.counts).toEqual(receipt.counts);
      expect(dry.receipt.erasedIdsDigest).toBe(receipt.erasedIdsDigest);
      expect(receipt.counts).toMatchObject({ memories: 5n, stagedWrites: 1n, entities: 1n });
      expect(receipt.batches).toBe(3);
      expect(progress.map((p) => (p.event.case === "progress" ? Number(p.event.value.erased) : -1))).toEqual([2, 4, 5]);
      expect(progress.map((p) => (p.event.case === "progress" ? Number(p.event.value.total) : -1))).toEqual([5, 5, 5]);
      const { receipt: kept } = await memories.getErasureReceipt({ id: receipt.id });
      expect(kept).toEqual(receipt);

      // A client that goes after the first batch: that batch is erased, and its receipt says so.
      for (let i = 0; i < 5; i++) {
        await memories.writeMemory({
          memory: { subjectType: "contact", subjectId: "bo", kind: "note", content: `Fact ${i} ${randomUUID()}` },
        });
      }
      const abort = new AbortController();
      for await (const event of memories.eraseMemories({ filter: { subjectId: "bo" } }, { signal: abort.signal })) {
        expect(event.event.case).toBe("progress");
        abort.abort();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [cut] = (await memories.listErasureReceipts({})).receipts;
      expect(cut).toMatchObject({ complete: false, batches: 1, counts: { memories: 2n } });
      expect((await memories.listMemories({ filter: { subjectId: "bo" } })).memories).toHaveLength(3);
    } finally {
      await small.close();
    }
  });
});

describe("EraseMemories refuses, erasing nothing", () => {
  it("a filter that narrows nothing, bounds without a filter, both ids and a filter", async () => {
    const { a } = aWorkspace();
    const id = await write(a, "ana");
    const memories = services.memories(a);
    expect((await failure(erase(memories, { filter: {} }))).rawMessage).toMatch(/narrows nothing/);
    expect((await failure(erase(memories, { filter: { agentId: a.agentId } }))).rawMessage).toMatch(/narrows nothing/);
    expect(await codeOf(erase(memories, { ids: [id], ownerAgentId: "x" }))).toBe("InvalidArgument");
    expect(await codeOf(erase(memories, { ids: [id], filter: { subjectId: "ana" } }))).toBe("InvalidArgument");
    expect(await codeOf(erase(memories, {}))).toBe("InvalidArgument");
    const unbound = services.memories({ workspaceId: a.workspaceId, scopes: ERASER_SCOPES });
    const conflict = erase(unbound, { filter: { subjectId: "ana", agentId: a.agentId }, agentId: "someone-else" });
    expect((await failure(conflict)).rawMessage).toMatch(/different agents/);
    expect(await exists(id)).toBe(true);
  });

  it("a key without the memory:erase scope, and an agent-bound key naming another agent", async () => {
    const { a, b } = aWorkspace();
    const id = await write(a, "ana");
    const reader = services.memories({ ...a, scopes: ["memory:read", "memory:write"] });
    expect(await codeOf(erase(reader, { filter: { subjectId: "ana" } }))).toBe("PermissionDenied");
    const asOther = erase(services.memories(a), { filter: { subjectId: "ana", agentId: b.agentId } });
    expect(await codeOf(asOther)).toBe("PermissionDenied");
    expect(await exists(id)).toBe(true);
  });
});
