/**
 * WatchMemories on the service tier (both engines): every change the caller may read and that
 * matches its filter, in commit order, each once; resuming from a cursor; the filter's reading
 * of deleted and superseded memories; heartbeats that carry the cursor past what was filtered out.
 */
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange, MemoryState } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";
import { aNote } from "../../support/factories/memory.js";
import { watchMemories, type WatchedStream, type WatchRequest } from "../../support/watch.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder(), feed: { options: { heartbeatMs: 300 } } });
});
afterAll(() => services.close());

/** Memories without an owner agent are an admin's to change. */
const admin: Caller = { scopes: ["admin"] };

function watch(req: WatchRequest = {}, caller: Caller = {}): WatchedStream {
  return watchMemories(services.memories(caller), req);
}

describe("WatchMemories", () => {
  it("opens with a heartbeat, then delivers each change with its kind, revision and memory", async () => {
    const subjectId = randomUUID();
    const stream = watch({ filter: { subjectType: "contact", subjectId } });
    await stream.opened();
    expect(stream.events[0]?.event.case).toBe("heartbeat");

    const memories = services.memories(admin);
    const created = (await memories.writeMemory({ memory: aNote(subjectId, "Ana prefers email", { key: "channel" }) }))
      .memory!;
    await memories.writeMemory({ memory: aNote(subjectId, "Ana prefers phone calls", { key: "channel" }) });
    await memories.deleteMemory({ id: created.id, reason: "wrong contact" });

    expect(await stream.until((s) => s.changes.length === 3)).toBe(true);
    const [first, second, third] = stream.changes;
    expect([first?.change, second?.change, third?.change]).toEqual([
      MemoryChange.CREATED,
      MemoryChange.UPSERTED,
      MemoryChange.DELETED,
    ]);
    expect(stream.changes.map((c) => c.revision)).toEqual([1n, 2n, 3n]);
    expect(second?.memory?.content).toBe("Ana prefers phone calls");
    expect(third?.memory?.state).toBe(MemoryState.DELETED);
    expect(third?.reason).toBe("wrong contact");
    expect(stream.changes.every((c) => c.memory?.id === created.id)).toBe(true);
    const positions = stream.changes.map((c) => BigInt(c.cursor));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    await stream.close();
  });

  it("resumes after a cursor with exactly the changes that followed it", async () => {
    const subjectId = randomUUID();
    const filter = { subjectType: "contact", subjectId };
    const first = watch({ filter });
    await first.opened();
    const memories = services.memories();
    for (let i = 0; i < 6; i++)
      await memories.writeMemory({ memory: aNote(subjectId, `fact number ${i} about ${subjectId}`) });
    expect(await first.until((s) => s.changes.length === 6)).toBe(true);
    await first.close();

    const resumed = watch({ filter, afterCursor: first.changes[2]!.cursor });
    expect(await resumed.until((s) => s.changes.length === 3)).toBe(true);
    expect(resumed.changes.map((c) => c.memory?.content)).toEqual(first.changes.slice(3).map((c) => c.memory?.content));
    // Heartbeats only from here: nothing repeats.
    expect(await resumed.until((s) => s.heartbeats.length >= 2)).toBe(true);
    expect(resumed.changes).toHaveLength(3);
    await resumed.close();
  });

  it("delivers at once on resume what was written while nobody watched, and List's watch_cursor is past it", async () => {
    // Alone on its database with no stream open, a server leaves numbering for later (the poll,
    // a minute away here): a resume and a list must not wait for it, nor see it as news.
    const subjectId = randomUUID();
    const filter = { subjectType: "contact", subjectId };
    const opening = watch({ filter });
    await opening.opened();
    const cursor = opening.cursor;
    await opening.close();
    const memories = services.memories(admin);
    await memories.writeMemory({ memory: aNote(subjectId, "written while nobody watched") });

    const resumed = watch({ filter, afterCursor: cursor });
    expect(await resumed.until((s) => s.changes.length === 1)).toBe(true);
    expect(resumed.changes[0]?.memory?.content).toBe("written while nobody watched");
    await resumed.close();

    await memories.writeMemory({ memory: aNote(subjectId, "listed, not news") });
    const listed = await memories.listMemories({ filter });
    expect(listed.memories.map((m) => m.content)).toContain("listed, not news");
    const fromList = watch({ filter, afterCursor: listed.watchCursor });
    await fromList.opened();
    await memories.writeMemory({ memory: aNote(subjectId, "written after the list") });
    expect(await fromList.until((s) => s.changes.length >= 1)).toBe(true);
    expect(fromList.changes.map((c) => c.memory?.content)).toEqual(["written after the list"]);
    await fromList.close();
  });

  it("judges the filter on the memory after each change, and always delivers the change that ends one", async () => {
    const subjectId = randomUUID();
    const stream = watch({ filter: { subjectType: "contact", subjectId, kinds: ["preference"] } });
    await stream.opened();
    const memories = services.memories(admin);
    await memories.writeMemory({ memory: aNote(subjectId, "Ana's birthday is in May") });
    const old = (await memories.writeMemory({ memory: aNote(subjectId, "Ana likes tea", { kind: "preference" }) }))
      .memory!;
    const replacement = await memories.writeMemory({
      memory: aNote(subjectId, "Ana likes coffee now", { kind: "preference" }),
      supersedes: [old.id],
    });
    // A change to a superseded memory is only for include_superseded watchers.
    await memories.deleteMemory({ id: old.id });

    expect(await stream.until((s) => s.changes.length >= 3)).toBe(true);
    expect(await stream.until((s) => s.heartbeats.length >= 3)).toBe(true);
    expect(stream.changes.map((c) => [c.change, c.memory?.id])).toEqual([
      [MemoryChange.CREATED, old.id],
      [MemoryChange.CREATED, replacement.memory!.id],
      [MemoryChange.SUPERSEDED, old.id],
    ]);
    await stream.close();
  });

  it("sends heartbeats whose cursor passes changes the filter left out, so a resume skips them", async () => {
    const subjectId = randomUUID();
    const stream = watch({ filter: { subjectType: "contact", subjectId } });
    await stream.opened();
    const start = BigInt(stream.cursor);
    await services.memories().writeMemory({ memory: aNote(randomUUID(), "someone else entirely") });
    expect(await stream.until((s) => s.heartbeats.length >= 2 && BigInt(s.cursor) > start)).toBe(true);
    expect(stream.changes).toHaveLength(0);
    await stream.close();
  });

  it("delivers what 32 concurrent writers commit, each change once, in each writer's order", async () => {
    const subjectType = `writer-${randomUUID()}`;
    const stream = watch({ filter: { subjectType } });
    await stream.opened();
    const writers = 32;
    const each = 5;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const client = services.memories();
        for (let i = 0; i < each; i++) {
          await client.writeMemory({
            memory: { subjectType, subjectId: `w${w}`, kind: "note", content: `writer ${w} wrote ${i}` },
          });
        }
      }),
    );
    expect(await stream.until((s) => s.changes.length >= writers * each)).toBe(true);
    expect(await stream.until((s) => s.heartbeats.length >= 2)).toBe(true);
    const ids = stream.changes.map((c) => c.memory!.id);
    expect(new Set(ids).size).toBe(writers * each);
    expect(stream.changes).toHaveLength(writers * each);
    for (let w = 0; w < writers; w++) {
      const order = stream.changes.filter((c) => c.memory?.subjectId === `w${w}`).map((c) => c.memory?.content);
      expect(order).toEqual(Array.from({ length: each }, (_, i) => `writer ${w} wrote ${i}`));
    }
    const positions = stream.changes.map((c) => BigInt(c.cursor));
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    await stream.close();
  });

  it("refuses a cursor that is not one, and one ahead of the log", async () => {
    const bad = watch({ afterCursor: "12abc" });
    await bad.done;
    expect(bad.error?.code).toBe(Code.InvalidArgument);
    expect(bad.error?.rawMessage).toContain("after_cursor");
    const ahead = watch({ afterCursor: "999999999999" });
    await ahead.done;
    expect(ahead.error?.code).toBe(Code.FailedPrecondition);
    expect(ahead.error?.rawMessage).toContain("ahead");
  });
});
