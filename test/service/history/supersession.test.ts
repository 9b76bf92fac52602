/**
 * Supersession: a write replaces the memories it names (or, with supersede_conflicts, those the
 * guard judges it contradicts); superseded memories leave lists and searches but keep their
 * history; a supersession can be undone; of writers racing to supersede one memory, one wins.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, MemoryState, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { codeOf } from "../../support/codes.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { anAgentId } from "../../support/factories/key.js";
import { aFact } from "../../support/factories/memory.js";
import { searchIds } from "../../support/factories/search.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

describe("supersession", () => {
  it("replaces the named memory: superseded, linked, ended, and out of lists and searches", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const old = (await memories.writeMemory({ memory: aFact(subjectId, "Ana works at Globex in sales") })).memory!;
    const from = new Date("2031-03-01T00:00:00.000Z");
    const written = await memories.writeMemory({
      memory: aFact(subjectId, "Ana runs procurement at Initech", { validFrom: timestampFromDate(from) }),
      // Ids are matched as stored, whatever their case.
      supersedes: [old.id.toUpperCase()],
    });
    expect(written.outcome).toBe(WriteOutcome.CREATED);
    expect(written.superseded).toEqual([old.id]);
    const successor = written.memory!;

    const replaced = (await memories.getMemory({ id: old.id })).memory!;
    expect(replaced.state).toBe(MemoryState.SUPERSEDED);
    expect(replaced.supersededBy).toBe(successor.id);
    expect(replaced.validUntil).toEqual(timestampFromDate(from));
    expect(replaced.revision).toBe(2n);

    const listed = await memories.listMemories({ filter: { subjectId } });
    expect(listed.memories.map((m) => m.id)).toEqual([successor.id]);
    const all = await memories.listMemories({ filter: { subjectId, includeSuperseded: true } });
    expect(all.memories.map((m) => m.id).sort()).toEqual([old.id, successor.id].sort());
    expect(await searchIds(memories, "Ana Globex sales", { subjectId })).toEqual([successor.id]);
    expect(await searchIds(memories, "Ana Globex sales", { subjectId, includeSuperseded: true })).toContain(old.id);

    const { revisions } = await memories.listMemoryRevisions({ id: old.id });
    expect(revisions.map((r) => MemoryChange[r.change])).toEqual(["SUPERSEDED", "CREATED"]);
    expect(revisions[0]?.reason).toBe(`superseded by ${successor.id}`);
    expect(revisions[0]?.changedFields).toEqual(["state", "valid_until", "superseded_by"]);
  });

  it("keeps an earlier valid_until, and never ends a memory before it began", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const early = new Date("2020-06-01T00:00:00.000Z");
    const ended = (
      await memories.writeMemory({
        memory: aFact(subjectId, "Tom lived in Oslo", {
          validFrom: timestampFromDate(new Date("2019-01-01T00:00:00.000Z")),
          validUntil: timestampFromDate(early),
        }),
      })
    ).memory!;
    const recent = (await memories.writeMemory({ memory: aFact(subjectId, "Tom has a boat") })).memory!;
    await memories.writeMemory({
      memory: aFact(subjectId, "Tom lives in Bergen and sold the boat", {
        validFrom: timestampFromDate(new Date("2021-01-01T00:00:00.000Z")),
      }),
      supersedes: [ended.id, recent.id],
    });
    expect((await memories.getMemory({ id: ended.id })).memory?.validUntil).toEqual(timestampFromDate(early));
    const clamped = (await memories.getMemory({ id: recent.id })).memory!;
    expect(clamped.validUntil).toEqual(clamped.validFrom);
  });

  it("refuses what it may not supersede, naming it, and writes nothing", async () => {
    const owner = anAgentId();
    const memories = services.memories({ agentId: owner });
    const subjectId = randomUUID();
    const shared = (
      await services
        .memories({ agentId: anAgentId() })
        .writeMemory({ memory: aFact(subjectId, "Someone else's shared fact", { visibility: Visibility.SHARED }) })
    ).memory!;
    const deleted = (await memories.writeMemory({ memory: aFact(subjectId, "Deleted fact") })).memory!;
    await memories.deleteMemory({ id: deleted.id });
    const taken = (await memories.writeMemory({ memory: aFact(subjectId, "Taken fact") })).memory!;
    await memories.writeMemory({ memory: aFact(subjectId, "Taker fact"), supersedes: [taken.id] });
    const before = (await memories.listMemories({ filter: { subjectId, showDeleted: true, includeSuperseded: true } }))
      .memories;

    const refusals: [string[], string][] = [
      [[randomUUID()], "NotFound"],
      [["not-a-uuid"], "NotFound"],
      [[shared.id], "PermissionDenied"],
      [[deleted.id], "FailedPrecondition"],
      [[taken.id], "FailedPrecondition"],
    ];
    for (const [supersedes, code] of refusals) {
      expect(await codeOf(memories.writeMemory({ memory: aFact(subjectId, "New fact"), supersedes }))).toBe(code);
    }
    const batch = await memories.batchWriteMemories({
      requests: [
        { memory: aFact(subjectId, "Batch fact one") },
        { memory: aFact(subjectId, "Batch fact two"), supersedes: [deleted.id] },
      ],
    });
    expect(batch.results.map((r) => r.result.case)).toEqual(["response", "error"]);
    const error = batch.results[1]?.result.value as { message: string };
    expect(error.message).toContain("requests[1].supersedes[0]");
    const after = (await memories.listMemories({ filter: { subjectId, showDeleted: true, includeSuperseded: true } }))
      .memories;
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((m) => !before.some((b) => b.id === m.id)).map((m) => m.content)).toEqual(["Batch fact one"]);
    expect((await memories.getMemory({ id: shared.id })).memory?.state).toBe(MemoryState.ACTIVE);
  });

  it("undoes a supersession: active again, link cleared, validity as before, recorded", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const until = timestampFromDate(new Date("2040-01-01T00:00:00.000Z"));
    const old = (
      await memories.writeMemory({ memory: aFact(subjectId, "The office is in Berlin", { validUntil: until }) })
    ).memory!;
    const successor = (
      await memories.writeMemory({ memory: aFact(subjectId, "The office moved to Munich"), supersedes: [old.id] })
    ).memory!;
    expect(await codeOf(memories.unsupersedeMemory({ id: successor.id }))).toBe("FailedPrecondition");
    const stranger = services.memories({ agentId: anAgentId() });
    expect(await codeOf(stranger.unsupersedeMemory({ id: old.id }))).toBe("NotFound");

    const restored = (await memories.unsupersedeMemory({ id: old.id })).memory!;
    expect(restored.state).toBe(MemoryState.ACTIVE);
    expect(restored.supersededBy).toBe("");
    expect(restored.validUntil).toEqual(until);
    const { revisions } = await memories.listMemoryRevisions({ id: old.id });
    expect(revisions.map((r) => MemoryChange[r.change])).toEqual(["UNSUPERSEDED", "SUPERSEDED", "CREATED"]);
    expect((await memories.listMemories({ filter: { subjectId } })).memories).toHaveLength(2);
    // Superseded again after the undo: the undo's record is what a second undo goes back to.
    await memories.writeMemory({ memory: aFact(subjectId, "The office moved to Hamburg"), supersedes: [old.id] });
    expect((await memories.unsupersedeMemory({ id: old.id })).memory?.validUntil).toEqual(until);
  });

  it("revives a superseded memory on a keyed write, and never merges a write into what it supersedes", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const keyed = (content: string) => aFact(subjectId, content, { kind: "preference", key: "channel" });
    const old = (await memories.writeMemory({ memory: keyed("Prefers email") })).memory!;
    await memories.writeMemory({ memory: aFact(subjectId, "Prefers phone"), supersedes: [old.id] });
    const revived = await memories.writeMemory({ memory: keyed("Prefers email again") });
    expect(revived.outcome).toBe(WriteOutcome.REVIVED);
    expect(revived.memory?.supersededBy).toBe("");

    const repeated = (await memories.writeMemory({ memory: aFact(subjectId, "Owns two cats") })).memory!;
    const rewritten = await memories.writeMemory({
      memory: aFact(subjectId, "Owns two cats"),
      supersedes: [repeated.id],
    });
    expect(rewritten.outcome).toBe(WriteOutcome.CREATED);
    expect(rewritten.memory?.id).not.toBe(repeated.id);
    expect(rewritten.superseded).toEqual([repeated.id]);
  });

  it("marks contradicting conflicts, and supersede_conflicts supersedes exactly those", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const age = (await memories.writeMemory({ memory: aFact(subjectId, "Tom is 34 years old and lives in Oslo") }))
      .memory!;
    const tea = (await memories.writeMemory({ memory: aFact(subjectId, "Tom likes green tea and lives in Oslo") }))
      .memory!;
    const probe = await memories.writeMemory({
      memory: aFact(subjectId, "Tom is 35 years old and lives in Oslo"),
      validateOnly: true,
    });
    expect(probe.superseded).toEqual([]);
    const marks = new Map(probe.possibleConflicts.map((c) => [c.memory!.id, c]));
    expect(marks.get(age.id)?.contradicts).toBe(true);
    expect(marks.get(age.id)?.contradiction).toContain("different numbers");
    expect(marks.get(tea.id)?.contradicts ?? false).toBe(false);

    const dryRun = await memories.writeMemory({
      memory: aFact(subjectId, "Tom is 35 years old and lives in Oslo"),
      supersedeConflicts: true,
      validateOnly: true,
    });
    expect(dryRun.superseded).toEqual([age.id]);
    expect((await memories.getMemory({ id: age.id })).memory?.state).toBe(MemoryState.ACTIVE);
    const written = await memories.writeMemory({
      memory: aFact(subjectId, "Tom is 35 years old and lives in Oslo"),
      supersedeConflicts: true,
    });
    expect(written.superseded).toEqual([age.id]);
    expect((await memories.getMemory({ id: age.id })).memory?.state).toBe(MemoryState.SUPERSEDED);
    expect((await memories.getMemory({ id: tea.id })).memory?.state).toBe(MemoryState.ACTIVE);
  });

  it("lets one of several writers racing to supersede a memory win, and keeps history consistent", async () => {
    const memories = services.memories({ agentId: anAgentId() });
    const subjectId = randomUUID();
    const contested = (await memories.writeMemory({ memory: aFact(subjectId, "The price is 100 euros") })).memory!;
    const racers = await Promise.allSettled(
      [1, 2, 3, 4].map((n) =>
        memories.writeMemory({
          memory: aFact(subjectId, `Racer ${n} says the price changed`),
          supersedes: [contested.id],
        }),
      ),
    );
    const won = racers.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won).toHaveLength(1);
    for (const r of racers) {
      if (r.status === "rejected") {
        expect(["Aborted", "FailedPrecondition"]).toContain(Code[ConnectError.from(r.reason).code]);
      }
    }
    const loser = (await memories.getMemory({ id: contested.id })).memory!;
    expect(loser.supersededBy).toBe(won[0]?.memory?.id);
    const { revisions } = await memories.listMemoryRevisions({ id: contested.id });
    expect(revisions.map((r) => MemoryChange[r.change])).toEqual(["SUPERSEDED", "CREATED"]);
    const listed = await memories.listMemories({ filter: { subjectId, includeSuperseded: true } });
    expect(listed.memories.map((m) => m.content).sort()).toEqual([loser.content, won[0]?.memory?.content].sort());
  });
});
