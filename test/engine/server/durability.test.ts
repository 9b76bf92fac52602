import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryState } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { apiKeyClient, memoryClient } from "../../support/clients.js";
import { keyFor, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { newDataDir } from "../../support/templates.js";

/**
 * DESIGN section 3: PGlite runs with fsync off, yet the embedded mode loses no acknowledged
 * write when the process is killed. Always on PGlite, whatever DATABASE_URL says.
 */
let dataDir: string;
let running: EngramProcess | undefined;
let adminKey: string;

beforeAll(async () => {
  // A copy of the migrated template: the crashes under test come after the first start.
  dataDir = await newDataDir("engram-durability-");
});
afterAll(async () => {
  await running?.kill();
  await rm(dataDir, { recursive: true, force: true });
});

async function startEmbedded(): Promise<EngramProcess> {
  running = await spawnEngram({ dataDir, env: { DATABASE_URL: undefined } });
  expect(await running.waitForLog("database ready, migrations applied")).toMatchObject({ database: "pglite" });
  return running;
}

/** kill -9: no signal handler, no shutdown hook, no chance to flush anything. */
async function killHard(server: EngramProcess): Promise<void> {
  server.child.kill("SIGKILL");
  expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
  running = undefined;
}

const subject = (subjectId: string) => ({ filter: { subjectType: "contact", subjectId }, pageSize: 500 });

describe("embedded PGlite survives kill -9", () => {
  it("keeps every acknowledged write of every kind, across two crashes", async () => {
    // Crash 1: single writes, an upsert, a batch, a delete and a new API key, then SIGKILL at once.
    let server = await startEmbedded();
    adminKey = await keyFor(dataDir, undefined);
    let client = memoryClient(server.baseUrl, adminKey);

    const singles: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await client.writeMemory({
        memory: { subjectType: "contact", subjectId: "singles", kind: "note", content: `single ${i}` },
      });
      singles.push(res.memory!.id);
    }
    await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "keyed", kind: "pitch", key: "k", content: "first" },
    });
    const updated = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "keyed", kind: "pitch", key: "k", content: "second" },
    });
    expect(updated.outcome).toBe(WriteOutcome.UPDATED);
    const batch = await client.batchWriteMemories({
      atomic: true,
      requests: Array.from({ length: 100 }, (_, i) => ({
        memory: { subjectType: "contact", subjectId: "batch", kind: "note", content: `batch ${i}` },
      })),
    });
    expect(batch.results).toHaveLength(100);
    const { apiKey, secret } = await apiKeyClient(server.baseUrl, adminKey).createApiKey({
      apiKey: { displayName: "made before the crash", scopes: ["memory:read"] },
    });
    const deleted = await client.deleteMemory({ id: singles[0]!, reason: "deleted just before the crash" });
    expect(deleted.memory?.state).toBe(MemoryState.DELETED);
    await killHard(server);

    // Restart on the same directory: everything acknowledged is there, in its last state.
    server = await startEmbedded();
    client = memoryClient(server.baseUrl, adminKey);
    expect((await client.listMemories(subject("singles"))).memories).toHaveLength(29);
    const gone = await client.getMemory({ id: singles[0]! });
    expect(gone.memory).toMatchObject({ state: MemoryState.DELETED, forgetReason: "deleted just before the crash" });
    const [keyed, ...others] = (await client.listMemories(subject("keyed"))).memories;
    expect(others).toEqual([]);
    expect(keyed).toMatchObject({ id: updated.memory!.id, content: "second", revision: 2n });
    expect((await client.listMemories(subject("batch"))).memories).toHaveLength(100);
    const readOnly = memoryClient(server.baseUrl, secret);
    expect((await readOnly.listMemories(subject("batch"))).memories).toHaveLength(100);
    expect(apiKey?.scopes).toEqual(["memory:read"]);

    // Crash 2, after crash recovery: the recovered database keeps taking durable writes.
    const last = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "after-recovery", kind: "note", content: "last" },
    });
    await killHard(server);

    server = await startEmbedded();
    client = memoryClient(server.baseUrl, adminKey);
    expect((await client.getMemory({ id: last.memory!.id })).memory?.content).toBe("last");
    expect((await client.listMemories(subject("singles"))).memories).toHaveLength(29);
    expect((await client.listMemories(subject("batch"))).memories).toHaveLength(100);
  });
});
