/**
 * WatchMemories' rules beyond delivery (both engines): visibility judged per event, tenancy,
 * a revoked key's streams ending, streams per key, expired cursors and the List-then-watch
 * resynchronisation, a slow reader holding back the stream, and shutdown ending streams retryably.
 */
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { ChangeLogRepository } from "../../../src/feed/change-log.repository.js";
import { sweep } from "../../../src/memory/queue/sweeper.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";
import { aNote } from "../../support/factories/memory.js";
import { watchMemories, type WatchedStream, type WatchRequest } from "../../support/watch.js";

const PAGE = 100;

/** Counts the changes streams read from the log, to see a slow reader hold them back. */
let changesRead = 0;
class CountingChangeLog extends ChangeLogRepository {
  override async changes(...args: Parameters<ChangeLogRepository["changes"]>) {
    const rows = await super.changes(...args);
    changesRead += rows.changes.length;
    return rows;
  }
}

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({
    embedder: new WordHashEmbedder(),
    feed: {
      options: { heartbeatMs: 300, maxStreamsPerKey: 2, keyCheckMs: 60_000 },
      changeLog: (em) => new CountingChangeLog(em),
    },
  });
});
afterAll(() => services.close());

function watch(req: WatchRequest = {}, caller: Caller = {}): WatchedStream {
  return watchMemories(services.memories(caller), req);
}

describe("WatchMemories visibility and tenancy", () => {
  it("shows an agent-bound key its own and shared memories, never another agent's private ones", async () => {
    const subjectId = randomUUID();
    const [mine, theirs] = [`agent-${randomUUID()}`, `agent-${randomUUID()}`];
    const stream = watch({ filter: { subjectType: "contact", subjectId } }, { agentId: mine });
    await stream.opened();
    const other = services.memories({ agentId: theirs });
    const secret = (await other.writeMemory({ memory: aNote(subjectId, "their private plan for Ana") })).memory!;
    await other.writeMemory({
      memory: aNote(subjectId, "their shared note on Ana", { visibility: Visibility.SHARED }),
    });
    await services.memories({ agentId: mine }).writeMemory({ memory: aNote(subjectId, "my own note on Ana") });
    // Made shared later: from that change on it is visible, and that change is delivered.
    await other.updateMemory({
      id: secret.id,
      memory: { visibility: Visibility.SHARED },
      updateMask: { paths: ["visibility"] },
    });

    expect(await stream.until((s) => s.changes.length >= 3)).toBe(true);
    expect(await stream.until((s) => s.heartbeats.length >= 3)).toBe(true);
    expect(stream.changes.map((c) => c.memory?.content)).toEqual([
      "their shared note on Ana",
      "my own note on Ana",
      "their private plan for Ana",
    ]);
    expect(stream.changes[2]?.memory?.visibility).toBe(Visibility.SHARED);
    await stream.close();
  });

  it("does not replay to a resumed stream what another agent has made private since", async () => {
    const subjectId = randomUUID();
    const [mine, theirs] = [`agent-${randomUUID()}`, `agent-${randomUUID()}`];
    const filter = { subjectType: "contact", subjectId };
    const opening = watch({ filter }, { agentId: mine });
    await opening.opened();
    const cursor = opening.cursor;
    await opening.close();
    const other = services.memories({ agentId: theirs });
    const note1 = aNote(subjectId, "their note, shared for a while", { visibility: Visibility.SHARED });
    const shared = (await other.writeMemory({ memory: note1 })).memory!;
    await other.writeMemory({
      memory: aNote(subjectId, "their note, shared for good", { visibility: Visibility.SHARED }),
    });
    await other.updateMemory({
      id: shared.id,
      memory: { visibility: Visibility.PRIVATE },
      updateMask: { paths: ["visibility"] },
    });

    // GetMemory refuses it now, so the log does not hand out its shared past either.
    const resumed = watch({ filter, afterCursor: cursor }, { agentId: mine });
    expect(await resumed.until((s) => s.changes.length >= 1)).toBe(true);
    expect(await resumed.until((s) => s.heartbeats.length >= 3)).toBe(true);
    expect(resumed.changes.map((c) => c.memory?.content)).toEqual(["their note, shared for good"]);
    await resumed.close();
  });

  it("never shows another workspace's changes, and its cursors mean nothing here", async () => {
    const elsewhere = `ws-${randomUUID()}`;
    const stream = watch({}, { workspaceId: elsewhere, scopes: ["admin"] });
    await stream.opened();
    await services
      .memories({ scopes: ["admin"] })
      .writeMemory({ memory: aNote(randomUUID(), "in the main workspace") });
    expect(await stream.until((s) => s.heartbeats.length >= 3)).toBe(true);
    expect(stream.changes).toHaveLength(0);
    expect(stream.cursor).toBe("0");
    await stream.close();
  });
});

describe("WatchMemories limits", () => {
  it("ends a revoked key's streams with UNAUTHENTICATED as soon as the revocation is known", async () => {
    const { record } = await services.keys.create({
      workspaceId: services.workspaceId,
      displayName: "watcher",
      scopes: ["memory:read"],
      agentId: null,
    });
    const stream = watch({}, { keyId: record.id, scopes: ["memory:read"] });
    await stream.opened();
    await services.keys.revoke(services.workspaceId, record.id);
    await stream.done;
    expect(stream.error?.code).toBe(Code.Unauthenticated);
    expect(stream.error?.rawMessage).toContain("revoked");
  });

  it("holds a key to its number of open streams: RESOURCE_EXHAUSTED beyond, free again once one closes", async () => {
    const caller = { keyId: randomUUID() };
    const [first, second] = [watch({}, caller), watch({}, caller)];
    await Promise.all([first.opened(), second.opened()]);
    const third = watch({}, caller);
    await third.done;
    expect(third.error?.code).toBe(Code.ResourceExhausted);
    expect(third.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOO_MANY_STREAMS");
    expect(third.error?.rawMessage).toContain("2 WatchMemories streams");
    await first.close();
    const fourth = watch({}, caller);
    await fourth.opened();
    expect(fourth.error).toBeNull();
    await Promise.all([second.close(), fourth.close()]);
  });

  it("holds back a slow reader: the server reads the log only as fast as the client takes it", async () => {
    const subjectId = randomUUID();
    const client = services.memories({ scopes: ["admin"] });
    const stream = client.watchMemories({ filter: { subjectType: "contact", subjectId } })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.event.case).toBe("heartbeat");
    changesRead = 0;
    for (let batch = 0; batch < 5; batch++) {
      await client.batchWriteMemories({
        requests: Array.from({ length: 100 }, (_, i) => ({ memory: aNote(subjectId, `entry ${batch * 100 + i}`) })),
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(changesRead).toBeLessThanOrEqual(2 * PAGE);
    const contents: string[] = [];
    while (contents.length < 500) {
      const { value } = await stream.next();
      if (value?.event.case === "change") contents.push(value.event.value.memory!.content);
    }
    expect(new Set(contents).size).toBe(500);
    await stream.return?.();
  });
});

describe("WatchMemories cursors over time", () => {
  it("refuses a cursor older than the log keeps (CURSOR_EXPIRED), and List's watch_cursor resynchronises", async () => {
    const subjectId = randomUUID();
    const filter = { subjectType: "contact", subjectId };
    const memories = services.memories({ scopes: ["admin"] });
    const opening = watch({ filter });
    await opening.opened();
    const early = opening.cursor;
    await opening.close();
    await memories.writeMemory({ memory: aNote(subjectId, "written before the purge") });
    await services.sequencer.kick();
    // Eight days on, with a week's retention, the log has dropped everything so far.
    await sweep(services.db.em, { memoryDays: 30, changeDays: 7 }, new Date(Date.now() + 8 * 24 * 3_600_000));

    const stale = watch({ filter, afterCursor: early });
    await stale.done;
    expect(stale.error?.code).toBe(Code.FailedPrecondition);
    expect(stale.error?.rawMessage).toContain("older than the change log keeps");
    expect(stale.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("CURSOR_EXPIRED");

    // Resynchronise: the list shows the state, and watching from its cursor shows what follows.
    const listed = await memories.listMemories({ filter });
    expect(listed.memories.map((m) => m.content)).toEqual(["written before the purge"]);
    expect(listed.watchCursor).not.toBe("");
    const resumed = watch({ filter, afterCursor: listed.watchCursor });
    await resumed.opened();
    await memories.writeMemory({ memory: aNote(subjectId, "written after the list") });
    expect(await resumed.until((s) => s.changes.length === 1)).toBe(true);
    expect(resumed.changes[0]?.memory?.content).toBe("written after the list");
    await resumed.close();
  });

  it("ends every stream with UNAVAILABLE at shutdown and refuses new ones: clients retry from their cursor", async () => {
    const stream = watch();
    await stream.opened();
    services.feed.close();
    await stream.done;
    expect(stream.error?.code).toBe(Code.Unavailable);
    const late = watch();
    await late.done;
    expect(late.error?.code).toBe(Code.Unavailable);
  });
});
