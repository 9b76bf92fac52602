/**
 * History and supersession keep private what was private: a reader sees a revision only if it
 * could read the memory as that revision left it, and a successor it may not read is never
 * named (superseded_by, a revision's or a change's reason), in any read: GetMemory (now and as
 * of), ListMemories, SearchMemories, ListMemoryRevisions, WatchMemories (live and resumed),
 * ExportMemories, and the answers of UpdateMemory, DeleteMemory and UnsupersedeMemory.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, MemoryState, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode, type MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { codeOf } from "../../support/codes.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { aNote } from "../../support/factories/memory.js";
import { watchMemories } from "../../support/watch.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder(), feed: { options: { heartbeatMs: 300 } } });
});
afterAll(() => services.close());

/** A response as text, to look for what it must not carry anywhere. */
const textOf = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v));

async function allRevisions(client: Client<typeof MemoryService>, id: string, pageSize = 0) {
  const revisions = [];
  let pageToken = "";
  do {
    const page = await client.listMemoryRevisions({ id, pageSize, pageToken });
    revisions.push(...page.revisions);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return revisions;
}

/** Two agents of one workspace: A writes, B reads what A shares. */
function agents() {
  return {
    a: services.memories({ agentId: `agent-a-${randomUUID()}` }),
    b: services.memories({ agentId: `agent-b-${randomUUID()}` }),
  };
}

describe("a memory's private past", () => {
  it("shows a reader only the revisions it could read as they left the memory, paging over the gaps", async () => {
    const { a, b } = agents();
    const subjectId = randomUUID();
    const secret = `the door code is ${subjectId}`;
    const written = (await a.writeMemory({ memory: aNote(subjectId, secret, { visibility: Visibility.PRIVATE }) }))
      .memory!;
    const edit = (content: string, visibility: Visibility) =>
      a.updateMemory({
        id: written.id,
        memory: { content, visibility },
        updateMask: { paths: ["content", "visibility"] },
      });
    await edit("the door has a code", Visibility.SHARED);
    await edit("the door code changed", Visibility.SHARED);
    await edit(`the new code is private again ${subjectId}`, Visibility.PRIVATE);
    await edit("the door has a new code", Visibility.SHARED);

    expect((await allRevisions(a, written.id)).map((r) => r.revision)).toEqual([5n, 4n, 3n, 2n, 1n]);
    for (const pageSize of [0, 1, 2]) {
      const seen = await allRevisions(b, written.id, pageSize);
      expect(seen.map((r) => r.revision)).toEqual([5n, 3n, 2n]);
      expect(textOf(seen.map((r) => r.memory?.content))).not.toContain(subjectId);
    }
    // As of the private revision, B gets what it gets for a memory that never existed.
    const first = await a.listMemoryRevisions({ id: written.id, pageSize: 5 });
    const asOf = first.revisions.at(-1)!.changeTime!;
    expect(await codeOf(b.getMemory({ id: written.id, asOf }))).toBe("NotFound");
    expect(await codeOf(b.getMemory({ id: randomUUID(), asOf }))).toBe("NotFound");
  });

  it("answers NOT_FOUND for the history of a memory the reader could never read", async () => {
    const { a, b } = agents();
    const hidden = (await a.writeMemory({ memory: aNote(randomUUID(), "private", { visibility: Visibility.PRIVATE }) }))
      .memory!;
    expect(await codeOf(b.listMemoryRevisions({ id: hidden.id }))).toBe("NotFound");
    expect(await codeOf(b.listMemoryRevisions({ id: randomUUID() }))).toBe("NotFound");
  });
});

describe("a private successor", () => {
  /** A shared memory of A's, superseded by a private one of A's. */
  async function supersededPrivately() {
    const { a, b } = agents();
    const subjectId = randomUUID();
    const old = (
      await a.writeMemory({
        memory: aNote(subjectId, `Ana works at Globex ${subjectId}`, { visibility: Visibility.SHARED }),
      })
    ).memory!;
    const successor = (
      await a.writeMemory({
        memory: aNote(subjectId, `Ana moved to Initech ${subjectId}`, { visibility: Visibility.PRIVATE }),
        supersedes: [old.id],
      })
    ).memory!;
    return { a, b, subjectId, old, successor };
  }

  /** Every memory B is shown of the old one: superseded, and no successor named. */
  const unnamed = (m: Memory | undefined) => ({ state: m?.state, supersededBy: m?.supersededBy });
  const superseded = { state: MemoryState.SUPERSEDED, supersededBy: "" };

  it("is never named to a reader that may not read it, in reads, history, search or answers", async () => {
    const { a, b, subjectId, old, successor } = await supersededPrivately();
    const everything = { subjectId, includeSuperseded: true };

    expect(unnamed((await b.getMemory({ id: old.id })).memory)).toEqual(superseded);
    const now = timestampFromDate(new Date(Date.now() + 60_000));
    expect(unnamed((await b.getMemory({ id: old.id, asOf: now })).memory)).toEqual(superseded);
    const listed = await b.listMemories({ filter: everything });
    expect(listed.memories.map(unnamed)).toEqual([superseded]);
    const listedThen = await b.listMemories({ filter: everything, asOf: now });
    expect(listedThen.memories.map(unnamed)).toEqual([superseded]);
    const found = [];
    for await (const hit of b.searchMemories({ query: "Ana Globex", mode: SearchMode.KEYWORD, filter: everything })) {
      found.push(unnamed(hit.memory));
    }
    expect(found).toEqual([superseded]);

    const history = await b.listMemoryRevisions({ id: old.id });
    expect(history.revisions.map((r) => [MemoryChange[r.change], r.reason, r.memory?.supersededBy])).toEqual([
      ["SUPERSEDED", "superseded by another memory", ""],
      ["CREATED", "", ""],
    ]);
    expect(textOf(history)).not.toContain(successor.id);

    // Its owner sees the successor named everywhere.
    expect((await a.getMemory({ id: old.id })).memory?.supersededBy).toBe(successor.id);
    expect((await a.listMemoryRevisions({ id: old.id })).revisions[0]?.reason).toBe(`superseded by ${successor.id}`);
    // An admin of the workspace reads every memory, so it too.
    const admin = services.memories({ scopes: ["admin", "memory:read"] });
    expect((await admin.getMemory({ id: old.id })).memory?.supersededBy).toBe(successor.id);

    // Undone, the reason names the successor to A only.
    await a.unsupersedeMemory({ id: old.id });
    const undone = (await b.listMemoryRevisions({ id: old.id })).revisions[0];
    expect([MemoryChange[undone!.change], undone!.reason]).toEqual([
      "UNSUPERSEDED",
      "was superseded by another memory",
    ]);
    expect((await a.listMemoryRevisions({ id: old.id })).revisions[0]?.reason).toBe(
      `was superseded by ${successor.id}`,
    );
  });

  it("does not date itself through the old memory's validity", async () => {
    const { a, b } = agents();
    const subjectId = randomUUID();
    const later = timestampFromDate(new Date("2031-02-03T04:05:06Z"));
    const shared = (
      await a.writeMemory({ memory: aNote(subjectId, "Ana works at Globex", { visibility: Visibility.SHARED }) })
    ).memory!;
    const own = (await a.writeMemory({ memory: aNote(subjectId, "Ana likes tea", { visibility: Visibility.PRIVATE }) }))
      .memory!;
    const successor = (
      await a.writeMemory({
        memory: aNote(subjectId, "Ana will move to Initech", { visibility: Visibility.PRIVATE, validFrom: later }),
        supersedes: [shared.id, own.id],
      })
    ).memory!;
    // The shared memory ends when it was superseded, for everyone; the owner's private one where the successor starts.
    const ended = (await b.getMemory({ id: shared.id })).memory!;
    expect(ended.validUntil).toEqual(ended.updateTime);
    expect(ended.validUntil).not.toEqual(successor.validFrom);
    expect((await a.getMemory({ id: own.id })).memory?.validUntil).toEqual(later);
  });

  it("is named once the reader may read it", async () => {
    const { a, b, old, successor } = await supersededPrivately();
    await a.updateMemory({
      id: successor.id,
      memory: { visibility: Visibility.SHARED },
      updateMask: { paths: ["visibility"] },
    });
    expect((await b.getMemory({ id: old.id })).memory?.supersededBy).toBe(successor.id);
    expect((await b.listMemoryRevisions({ id: old.id })).revisions[0]?.reason).toBe(`superseded by ${successor.id}`);
  });

  it("is not named in the change feed, live or resumed", async () => {
    const { a, b } = agents();
    const subjectId = randomUUID();
    const live = watchMemories(b, { filter: { subjectId } });
    await live.opened();
    const old = (
      await a.writeMemory({ memory: aNote(subjectId, "Ana works at Globex", { visibility: Visibility.SHARED }) })
    ).memory!;
    const successor = (
      await a.writeMemory({
        memory: aNote(subjectId, "Ana moved to Initech", { visibility: Visibility.PRIVATE }),
        supersedes: [old.id],
      })
    ).memory!;
    const resumed = watchMemories(b, { filter: { subjectId }, afterCursor: live.heartbeats[0] });
    const seenBy = (stream: typeof live) =>
      stream.changes.map((c) => [MemoryChange[c.change], c.reason, c.memory?.supersededBy]);
    const expected = [
      ["CREATED", "", ""],
      ["SUPERSEDED", "superseded by another memory", ""],
    ];
    for (const stream of [live, resumed]) {
      expect(await stream.until((s) => s.changes.length === 2)).toBe(true);
      expect(seenBy(stream)).toEqual(expected);
      expect(textOf(stream.changes)).not.toContain(successor.id);
    }
    const owner = watchMemories(a, { filter: { subjectId }, afterCursor: live.heartbeats[0] });
    expect(await owner.until((s) => s.changes.length === 3)).toBe(true);
    expect(owner.changes.find((c) => c.memory?.id === old.id && c.change === MemoryChange.SUPERSEDED)?.reason).toBe(
      `superseded by ${successor.id}`,
    );
    await Promise.all([live, resumed, owner].map((stream) => stream.close()));
  });

  it("is not named to a writer that may change the old memory but not read its successor", async () => {
    const owner = `agent-owner-${randomUUID()}`;
    const a = services.memories({ agentId: owner });
    const admin = services.memories({ scopes: ["admin", "memory:read", "memory:write"] });
    const subjectId = randomUUID();
    const old = (
      await a.writeMemory({ memory: aNote(subjectId, "Ana works at Globex", { visibility: Visibility.SHARED }) })
    ).memory!;
    // An admin supersedes it with a private memory of another agent, which A may not read.
    const successor = (
      await admin.writeMemory({
        memory: aNote(subjectId, "Ana moved to Initech", {
          agentId: `agent-c-${randomUUID()}`,
          visibility: Visibility.PRIVATE,
        }),
        supersedes: [old.id],
      })
    ).memory!;
    const retitled = await a.updateMemory({
      id: old.id,
      memory: { title: "Employer" },
      updateMask: { paths: ["title"] },
    });
    expect(unnamed(retitled.memory)).toEqual(superseded);
    const again = await codeOf(a.writeMemory({ memory: aNote(subjectId, "Ana left Globex"), supersedes: [old.id] }));
    expect(again).toBe("FailedPrecondition");
    const message = await a.writeMemory({ memory: aNote(subjectId, "Ana left"), supersedes: [old.id] }).catch((e) => e);
    expect(String(message)).not.toContain(successor.id);
    const deleted = await a.deleteMemory({ id: old.id });
    expect(unnamed(deleted.memory)).toEqual({ state: MemoryState.DELETED, supersededBy: "" });
  });
});
