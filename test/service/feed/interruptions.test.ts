/**
 * WatchMemories when the log changes or fails under a stream (both engines): the sweeper's
 * purge overtaking a slow catch-up between two pages ends the stream with CURSOR_EXPIRED
 * instead of skipping the purged changes, and a database failure mid-stream ends it with
 * UNAVAILABLE (not INTERNAL), which clients retry on from their last cursor.
 */
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { ChangeLogRepository } from "../../../src/feed/change-log.repository.js";
import { sweep } from "../../../src/memory/queue/sweeper.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { aNote } from "../../support/factories/memory.js";
import { watchMemories, type WatchedStream, type WatchRequest } from "../../support/watch.js";

/** The log as streams read it, with something to happen once right after a page is read. */
class InterruptedChangeLog extends ChangeLogRepository {
  static afterPage: (() => Promise<void>) | null = null;
  override async changes(...args: Parameters<ChangeLogRepository["changes"]>) {
    const page = await super.changes(...args);
    const then = InterruptedChangeLog.afterPage;
    InterruptedChangeLog.afterPage = null;
    await then?.();
    return page;
  }
}

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({
    feed: {
      options: { heartbeatMs: 300, maxStreamsPerKey: 4, keyCheckMs: 60_000 },
      changeLog: (em) => new InterruptedChangeLog(em),
    },
  });
});
afterAll(() => services.close());
const streams: WatchedStream[] = [];
afterEach(async () => {
  InterruptedChangeLog.afterPage = null;
  await Promise.all(streams.splice(0).map((s) => s.close()));
});

const ADMIN = { scopes: ["admin" as const] };
function watch(req: WatchRequest): WatchedStream {
  const stream = watchMemories(services.memories(ADMIN), req);
  streams.push(stream);
  return stream;
}

describe("WatchMemories under a purge and a failing database", () => {
  it("ends a catch-up the purge overtook between two pages with CURSOR_EXPIRED, skipping nothing", async () => {
    const subjectId = randomUUID();
    const filter = { subjectType: "contact", subjectId };
    const memories = services.memories(ADMIN);
    const { watchCursor } = await memories.listMemories({ filter });
    for (let batch = 0; batch < 3; batch++) {
      await memories.batchWriteMemories({
        requests: Array.from({ length: 100 }, (_, i) => ({ memory: aNote(subjectId, `entry ${batch * 100 + i}`) })),
      });
    }
    await services.sequencer.kick();
    // Right after the first page: eight days on, with a week's retention, the log drops everything so far.
    InterruptedChangeLog.afterPage = async () => {
      await sweep(services.db.em, { memoryDays: 30, changeDays: 7 }, new Date(Date.now() + 8 * 24 * 3_600_000));
    };

    const behind = watch({ filter, afterCursor: watchCursor });
    expect(await behind.until((s) => s.ended)).toBe(true);
    expect(behind.error?.code).toBe(Code.FailedPrecondition);
    expect(behind.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("CURSOR_EXPIRED");
    // The first page, and nothing after it: the rest is gone, and the stream says so.
    expect(behind.changes.map((c) => c.memory?.content)).toEqual(Array.from({ length: 100 }, (_, i) => `entry ${i}`));
  });

  it("ends a stream whose read of the log fails with UNAVAILABLE; resuming from its cursor misses nothing", async () => {
    const subjectId = randomUUID();
    const filter = { subjectType: "contact", subjectId };
    const memories = services.memories(ADMIN);
    const stream = watch({ filter });
    await stream.opened();
    await memories.writeMemory({ memory: aNote(subjectId, "before the failure") });
    expect(await stream.until((s) => s.changes.length === 1)).toBe(true);

    // What node-postgres throws when the server drops the connection.
    InterruptedChangeLog.afterPage = () => Promise.reject(new Error("Connection terminated unexpectedly"));
    await memories.writeMemory({ memory: aNote(subjectId, "during the failure") });
    expect(await stream.until((s) => s.ended)).toBe(true);
    expect(stream.error?.code).toBe(Code.Unavailable);
    expect(stream.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("CHANGE_LOG_UNREADABLE");
    expect(stream.error?.rawMessage).toBe(
      "the change log could not be read just now: watch again from your last cursor",
    );

    const resumed = watch({ filter, afterCursor: stream.cursor });
    expect(await resumed.until((s) => s.changes.length === 1)).toBe(true);
    expect(resumed.changes.map((c) => c.memory?.content)).toEqual(["during the failure"]);
  });

  it("ends a stream with INTERNAL, not a retry, when reading the log meets a bug", async () => {
    const subjectId = randomUUID();
    const stream = watch({ filter: { subjectType: "contact", subjectId } });
    await stream.opened();
    InterruptedChangeLog.afterPage = () => Promise.reject(new TypeError("Cannot read properties of undefined"));
    await services.memories(ADMIN).writeMemory({ memory: aNote(subjectId, "meets the bug") });
    expect(await stream.until((s) => s.ended)).toBe(true);
    expect(stream.error?.code).toBe(Code.Internal);
  });
});
