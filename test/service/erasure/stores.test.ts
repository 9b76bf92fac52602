/**
 * EraseMemories removes a memory from every store: its row and vector, its revisions, its
 * change-log entries (a tombstone in their place), the staged writes and recorded responses that
 * name it, its entity mentions, and the entities and merges only it gave. Each store is checked
 * on its own, so a store the erasure skipped fails its own test.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { countWhere, erase, ERASER_SCOPES, naming } from "../../support/erasure.js";
import { anAgentId } from "../../support/factories/key.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

/** Records every text it embeds: what the server's vector cache spared it shows. */
class RecordingEmbedder extends WordHashEmbedder {
  readonly texts: string[] = [];
  override async embed(texts: string[]): Promise<number[][]> {
    this.texts.push(...texts);
    return super.embed(texts);
  }
}

const embedder = new RecordingEmbedder();
let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder });
});
afterAll(() => services.close());

/** An agent erasing in a workspace of its own, so no test sees another's rows. */
const anEraser = (): Caller => ({ workspaceId: `erase-${randomUUID()}`, agentId: anAgentId(), scopes: ERASER_SCOPES });
const count = (table: string, condition: string, value: string) => countWhere(services.db, table, condition, value);
const ref = (type: string, id: string) => ({ type, id });

/** A memory with a past: written with a request id, then updated (two revisions, two changes). */
async function aMemoryWithHistory(
  caller: Caller,
  content = "Zelda Quarrington prefers calls on Tuesdays",
  linkedEntities: { type: string; id: string }[] = [],
) {
  const memories = services.memories(caller);
  const written = await memories.writeMemory({
    memory: { subjectType: "contact", subjectId: "zq", kind: "note", content, linkedEntities },
    requestId: randomUUID(),
  });
  const id = written.memory!.id;
  await memories.updateMemory({ id, memory: { title: "Calls" }, updateMask: { paths: ["title"] } });
  return id;
}

describe("EraseMemories removes from each store", () => {
  it("the memory row and its vector", async () => {
    const caller = anEraser();
    const id = await aMemoryWithHistory(caller);
    expect(await count("memories", "id::text = ? and embedding is not null", id)).toBe(1);
    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    expect(await count("memories", "id::text = ?", id)).toBe(0);
    expect(Number(receipt.counts!.memories)).toBe(1);
    expect(receipt.complete).toBe(true);
  });

  it("every revision", async () => {
    const caller = anEraser();
    const id = await aMemoryWithHistory(caller);
    expect(await count("memory_revisions", "memory_id::text = ?", id)).toBe(2);
    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    expect(await count("memory_revisions", "memory_id::text = ?", id)).toBe(0);
    expect(Number(receipt.counts!.revisions)).toBe(2);
  });

  it("its change-log entries, leaving one tombstone that holds nothing of it", async () => {
    const caller = anEraser();
    const id = await aMemoryWithHistory(caller);
    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    const left = await services.db.em
      .fork()
      .execute<{ erased: boolean; agent_id: string }[]>(
        "select erased, agent_id from memory_changes where memory_id::text = ?",
        [id],
      );
    expect(left).toEqual([{ erased: true, agent_id: caller.agentId }]);
    expect(Number(receipt.counts!.changes)).toBe(2);
  });

  it("the recorded response of the request that wrote it", async () => {
    const caller = anEraser();
    const id = await aMemoryWithHistory(caller);
    expect(await count("write_requests", naming("response"), id)).toBe(1);
    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    expect(await count("write_requests", naming("response"), id)).toBe(0);
    expect(Number(receipt.counts!.writeRequests)).toBe(1);
  });

  it("staged writes whose result or preview names it, and no other", async () => {
    const caller = anEraser();
    const staged = services.stagedWrites(caller);
    const note = (content: string) => ({
      subjectType: "contact",
      subjectId: "zq",
      kind: "preference",
      key: "channel",
      content,
    });
    const applied = await staged.createStagedWrite({ requests: [{ memory: note("Prefers calls") }], apply: true });
    const result = applied.stagedWrite!.results[0]!.result;
    if (result.case !== "response") throw new Error("the staged write was not applied");
    const id = result.value.memory!.id;
    // Pending: its preview says it would update the memory.
    const pending = await staged.createStagedWrite({ requests: [{ memory: note("Prefers email") }] });
    const unrelated = await staged.createStagedWrite({
      requests: [{ memory: { subjectType: "contact", subjectId: "other", kind: "note", content: "Unrelated note" } }],
    });
    expect(await count("staged_writes", naming("body"), id)).toBe(2);
    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    expect(Number(receipt.counts!.stagedWrites)).toBe(2);
    expect(await count("staged_writes", naming("body"), id)).toBe(0);
    expect(await codeOf(staged.getStagedWrite({ id: pending.stagedWrite!.id }))).toBe("NotFound");
    expect(await codeOf(staged.getStagedWrite({ id: unrelated.stagedWrite!.id }))).toBe("OK");
  });

  it("its entity mentions, and the named entities and merges no other memory mentions", async () => {
    const caller = anEraser();
    const entities = services.entities(caller);
    const id = await aMemoryWithHistory(caller, "Met Ana Lopez at the fair", [
      ref("person", "zelda quarrington"),
      ref("person", "yorick abernathy"),
    ]);
    const kept = await aMemoryWithHistory(caller, "Ana Lopez renewed the contract");
    await entities.updateEntity({
      ...ref("person", "zelda quarrington"),
      entity: { attributes: { role: "CTO" } },
      updateMask: { paths: ["attributes"] },
    });
    await entities.updateEntity({
      ...ref("person", "ana lopez"),
      entity: { attributes: { role: "buyer" } },
      updateMask: { paths: ["attributes"] },
    });
    await entities.mergeEntities({ from: ref("person", "yorick abernathy"), into: ref("person", "zelda quarrington") });
    expect(await count("entity_names", "memory_id::text = ?", id)).toBeGreaterThanOrEqual(3);

    const { receipt } = await erase(services.memories(caller), { ids: [id] });
    expect(await count("entity_names", "memory_id::text = ?", id)).toBe(0);
    expect(await count("entities", "id = ?", "zelda quarrington")).toBe(0);
    expect(await count("entity_merges", "from_id = ?", "yorick abernathy")).toBe(0);
    // Ana Lopez is still mentioned by the other memory: her name and attributes stay.
    expect(await count("entities", "id = ?", "ana lopez")).toBe(1);
    expect(await count("entity_names", "memory_id::text = ?", kept)).toBeGreaterThanOrEqual(2);
    expect(Number(receipt.counts!.entities)).toBe(1);
    expect(Number(receipt.counts!.entityMerges)).toBe(1);
    expect(Number(receipt.counts!.mentions)).toBeGreaterThanOrEqual(3);
    expect(await codeOf(entities.getEntity(ref("person", "zelda quarrington")))).toBe("NotFound");
  });
});

describe("EraseMemories drops the caches", () => {
  it("of vectors: the same content written after the erasure is embedded again", async () => {
    const content = `Zelda Quarrington's passphrase is ${randomUUID()}`;
    const embedded = () => embedder.texts.filter((t) => t === content).length;
    const caller = anEraser();
    const id = await aMemoryWithHistory(caller, content);
    await aMemoryWithHistory(anEraser(), content);
    expect(embedded()).toBe(1);
    await erase(services.memories(caller), { ids: [id] });
    await aMemoryWithHistory(anEraser(), content);
    expect(embedded()).toBe(2);
  });
});

describe("EraseMemories by ids", () => {
  it("refuses ids it may not read, cannot be, or may not change, erasing none of the request", async () => {
    const caller = anEraser();
    const mine = await aMemoryWithHistory(caller);
    const other = { ...caller, agentId: anAgentId() };
    const write = (c: Caller, content: string, visibility: number) =>
      services
        .memories(c)
        .writeMemory({ memory: { subjectType: "contact", subjectId: "zq", kind: "note", content, visibility } });
    const theirsPrivate = (await write(other, "Asked for a discount in private", 1)).memory!.id;
    const theirsShared = (await write(other, "Renewal is due in March, shared with the team", 2)).memory!.id;
    const client = services.memories(caller);
    expect(await codeOf(erase(client, { ids: [mine, theirsPrivate] }))).toBe("NotFound");
    expect(await codeOf(erase(client, { ids: [mine, randomUUID()] }))).toBe("NotFound");
    expect(await codeOf(erase(client, { ids: [mine, "not-a-uuid"] }))).toBe("NotFound");
    expect(await codeOf(erase(client, { ids: [mine, theirsShared] }))).toBe("PermissionDenied");
    expect(
      await codeOf(erase(services.memories({ ...caller, scopes: ["memory:read", "memory:write"] }), { ids: [mine] })),
    ).toBe("PermissionDenied");
    for (const id of [mine, theirsPrivate, theirsShared]) expect(await count("memories", "id::text = ?", id)).toBe(1);
  });
});
