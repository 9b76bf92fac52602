/**
 * The TrustPager Agent Memory reference's worked example (NurtureAgent pitch tracking,
 * seeds/trustpager-agent-memory-reference.md), run through WriteMemory and ListMemories.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient } from "../../support/clients.js";
import { newPitchIds, trustPagerPitch } from "../../support/trustpager.js";
import { useServer, type MemoryClient } from "./write-list-support.js";

const ctx = useServer();

const ids = newPitchIds();
const { contactId, opportunityId, emailLogId } = ids;

/** The seed's write_memory arguments, snake_case as in the reference (agent_registry_id is the key's agent). */
const seedPitch = trustPagerPitch(ids);

describe("TrustPager NurtureAgent pitch tracking", () => {
  const agent = `nurture-${randomUUID().slice(0, 8)}`;
  const fx = {} as {
    key: string;
    nurture: MemoryClient;
    first: { memory: { id: string; revision: string }; outcome: string };
  };

  beforeAll(async () => {
    fx.key = await ctx.server.createKey({ scopes: ["memory:read", "memory:write"], agentId: agent });
    fx.nurture = memoryClient(ctx.server.baseUrl, fx.key);
  });

  it("the seed's write, sent as Connect JSON over HTTP/1.1, creates the pitch", async () => {
    const res = await fetch(`${ctx.server.baseUrl}/engram.v1.MemoryService/WriteMemory`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${fx.key}` },
      body: JSON.stringify({ memory: seedPitch }),
    });
    expect(res.status).toBe(200);
    fx.first = (await res.json()) as typeof fx.first;
    expect(fx.first.outcome).toBe("WRITE_OUTCOME_CREATED");
    expect(fx.first.memory.revision).toBe("1");
  });

  it("the same key again is the one row, unchanged (the never-twice gate)", async () => {
    const again = await fx.nurture.writeMemory({
      memory: {
        subjectType: "contact",
        subjectId: contactId,
        kind: "pitch",
        key: "automated-follow-up-sequences",
        content: seedPitch.content,
        metadata: seedPitch.metadata,
        linkedEntities: seedPitch.linked_entities,
        tags: seedPitch.tags,
        sourceKind: seedPitch.source_kind,
        sourceId: seedPitch.source_id,
      },
    });
    // Every field as it was: one row, and nothing written (no new revision).
    expect(WriteOutcome[again.outcome]).toBe("UNCHANGED");
    expect(again.memory?.id).toBe(fx.first.memory.id);
    expect(again.memory?.revision).toBe(1n);
  });

  it("list by subject and kind pitch shows exactly that memory, with every field of the seed", async () => {
    const res = await fx.nurture.listMemories({
      filter: { subjectType: "contact", subjectId: contactId, kinds: ["pitch"] },
    });
    expect(res.memories).toHaveLength(1);
    const m = res.memories[0]!;
    expect(m).toMatchObject({
      id: fx.first.memory.id,
      agentId: agent,
      subjectType: "contact",
      subjectId: contactId,
      kind: "pitch",
      key: "automated-follow-up-sequences",
      content: seedPitch.content,
      metadata: seedPitch.metadata,
      tags: seedPitch.tags,
      sourceKind: "email_send",
      sourceId: emailLogId,
      visibility: Visibility.PRIVATE,
      revision: 1n,
    });
    expect(m.linkedEntities.map(({ type, id }) => ({ type, id }))).toEqual(seedPitch.linked_entities);
    // "skips any article whose slug appears as a key in the results"
    expect(res.memories.map((p) => p.key)).toEqual(["automated-follow-up-sequences"]);
  });

  it("the reference's other lookup patterns find it too", async () => {
    const ids = async (filter: Parameters<MemoryClient["listMemories"]>[0]["filter"]) =>
      (await fx.nurture.listMemories({ filter })).memories.map((m: Memory) => m.id);
    const id = fx.first.memory.id;
    expect(await ids({ subjectType: "contact", subjectId: contactId })).toEqual([id]);
    expect(await ids({ tags: ["feature:follow_up_sequences"] })).toEqual([id]);
    expect(await ids({ linkedEntityType: "opportunity", linkedEntityId: opportunityId })).toEqual([id]);
    // Troubleshooting: the contact's id under another subject_type finds nothing.
    expect(await ids({ subjectType: "opportunity", subjectId: contactId })).toEqual([]);
  });

  it("private by default: another agent in the workspace cannot list it", async () => {
    const other = memoryClient(
      ctx.server.baseUrl,
      await ctx.server.createKey({ scopes: ["memory:read"], agentId: "support-agent" }),
    );
    const res = await other.listMemories({ filter: { subjectType: "contact", subjectId: contactId } });
    expect(res.memories).toEqual([]);
  });
});
