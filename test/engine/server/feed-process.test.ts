/**
 * The change feed across a server's death and its shutdown, on either engine (the embedded one
 * runs with fsync off): after kill -9 and a restart, a watcher resuming from the last cursor it
 * got receives every change a writer saw acknowledged, each once; SIGTERM ends open streams
 * with UNAVAILABLE, the status clients retry on, and the server exits 0.
 */
import { Code } from "@connectrpc/connect";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChange } from "../../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../../support/clients.js";
import { createTestDatabase } from "../../support/database.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { watchMemories } from "../../support/watch.js";

let dataDir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let running: EngramProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "engram-feed-process-"));
  if (process.env.DATABASE_URL) database = await createTestDatabase(process.env.DATABASE_URL);
});
afterAll(async () => {
  await running?.kill();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<EngramProcess> {
  running = await spawnEngram({ dataDir, env: { DATABASE_URL: database?.url } });
  return running;
}

describe("the change feed when the server dies or stops", () => {
  it("loses no acknowledged change across kill -9: resuming from the last cursor delivers the rest, once each", async () => {
    let server = await start();
    const key = await keyFor(dataDir, database?.url);
    const subjectType = "crash";
    const before = watchMemories(memoryClient(server.baseUrl, key), { filter: { subjectType } });
    await before.opened();

    const client = memoryClient(server.baseUrl, key);
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 15; i++) {
          const content = `writer ${w} note ${i}`;
          const res = await client.writeMemory({ memory: { subjectType, subjectId: content, kind: "note", content } });
          acknowledged.push(res.memory!.id);
        }
      }),
    );
    server.child.kill("SIGKILL");
    await server.exited;
    await before.done;
    running = undefined;

    server = await start();
    const after = watchMemories(memoryClient(server.baseUrl, key), {
      filter: { subjectType },
      afterCursor: before.cursor,
    });
    const delivered = () => [...before.changes, ...after.changes].map((c) => c.memory!.id);
    expect(await after.until(() => acknowledged.every((id) => delivered().includes(id)))).toBe(true);
    // Anything repeated would follow within moments.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(delivered()).toHaveLength(acknowledged.length);
    expect(new Set(delivered()).size).toBe(acknowledged.length);
    expect([...before.changes, ...after.changes].every((c) => c.change === MemoryChange.CREATED)).toBe(true);
    await after.close();
  });

  it("ends open streams with UNAVAILABLE on SIGTERM and exits 0", async () => {
    const server = running ?? (await start());
    const key = await keyFor(dataDir, database?.url);
    const streams = [
      watchMemories(memoryClient(server.baseUrl, key, "connect-h1")),
      watchMemories(memoryClient(server.baseUrl, key, "grpc")),
    ];
    await Promise.all(streams.map((s) => s.opened()));
    server.child.kill("SIGTERM");
    await Promise.all(streams.map((s) => s.done));
    expect(streams.map((s) => s.error?.code)).toEqual([Code.Unavailable, Code.Unavailable]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    running = undefined;
  });
});
