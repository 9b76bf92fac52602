import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryService, SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { CONSISTENCY_TOKEN_HEADER } from "../../../src/memory/response-headers.js";
import { memoryClient, restJson } from "../../support/clients.js";
import { startReplicatedPostgres, type ReplicatedPostgres } from "../../support/replicated-postgres.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { watchMemories } from "../../support/watch.js";

/**
 * Issue 52: reads go to a hot standby that replays each commit 300 ms late. A write's token
 * sent back makes any server's read see it; a key's own reads on the server it wrote through see
 * it without the token; without either a read may be stale (which shows the delay is real).
 */
const DELAY_MS = 300;

let postgres: ReplicatedPostgres;
let database: Awaited<ReturnType<ReplicatedPostgres["createDatabase"]>>;
let a: TestServer;
let b: TestServer;
/** An admin key of a's workspace, held by a caller of b. */
let readerKey: string;

beforeAll(async () => {
  postgres = await startReplicatedPostgres(DELAY_MS);
  database = await postgres.createDatabase();
  const replicated = {
    databaseUrl: database.url,
    readDatabaseUrls: [database.replicaUrl],
    readYourWritesMs: 5_000,
    replicaWaitMs: 3_000,
  };
  a = await startTestServer(replicated);
  b = await startTestServer(replicated);
  readerKey = await b.createKey({ workspaceId: a.workspaceId, scopes: ["admin", "memory:read", "memory:write"] });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
  await postgres?.stop();
});

/** Writes one memory through `client`, returning its id and the token its response carried. */
async function write(client: Client<typeof MemoryService>, content: string): Promise<{ id: string; token: string }> {
  let token = "";
  const res = await client.writeMemory(
    { memory: { subjectType: "user", subjectId: "ryw", kind: "note", content } },
    { onHeader: (header) => (token = header.get(CONSISTENCY_TOKEN_HEADER) ?? "") },
  );
  return { id: res.memory?.id ?? "", token };
}

/** Whether `client` finds the memory (false: NOT_FOUND, a stale read). */
async function found(client: Client<typeof MemoryService>, id: string, token?: string): Promise<boolean> {
  try {
    const headers = token === undefined ? undefined : { [CONSISTENCY_TOKEN_HEADER]: token };
    await client.getMemory({ id }, { headers });
    return true;
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return false;
    throw err;
  }
}

async function inParallel<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe("read replicas with read-your-writes", () => {
  it("1,000 writes on one server, each read back on the other with its token: none stale", async () => {
    const writer = memoryClient(a.baseUrl, a.adminKey);
    const reader = memoryClient(b.baseUrl, readerKey);
    const stale = await inParallel(1_000, 50, async (i) => {
      const { id, token } = await write(writer, `token pair ${i}`);
      expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      return !(await found(reader, id, token));
    });
    expect(stale.filter(Boolean)).toHaveLength(0);
    // The reads were the replica's to answer: the server's metrics say where they went.
    const metrics = await (await fetch(`${b.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/engram_replica_reads_total\{target="replica"\} [1-9]/);
  });

  it("without the token another server's reads are stale (the delay is real)", async () => {
    const writer = memoryClient(a.baseUrl, a.adminKey);
    const reader = memoryClient(b.baseUrl, readerKey);
    const stale = await inParallel(100, 20, async (i) => {
      const { id } = await write(writer, `no token ${i}`);
      return !(await found(reader, id));
    });
    // How many are stale depends on how fast the machine writes and reads against the 300 ms
    // delay (most of them, unloaded); any stale read shows that the standby lags.
    expect(stale.filter(Boolean).length).toBeGreaterThan(0);
  });

  it("a key's own reads on the server it wrote through see its writes without the token", async () => {
    const key = await a.createKey();
    const client = memoryClient(a.baseUrl, key);
    const stale = await inParallel(50, 10, async (i) => {
      const { id } = await write(client, `own write ${i}`);
      return !(await found(client, id));
    });
    expect(stale.filter(Boolean)).toHaveLength(0);
  });

  it("REST carries the token both ways", async () => {
    const created = await restJson<{ memory: { id: string } }>(a.baseUrl, a.adminKey, "POST", "/v1/memory", {
      subjectType: "user",
      subjectId: "ryw",
      kind: "note",
      content: "over REST",
    });
    const token = created.headers.get(CONSISTENCY_TOKEN_HEADER) ?? "";
    expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const res = await fetch(`${b.baseUrl}/v1/memory/${created.body.memory.id}`, {
      headers: { authorization: `Bearer ${readerKey}`, [CONSISTENCY_TOKEN_HEADER]: token },
    });
    expect(res.status).toBe(200);
  });

  it("refuses a token that is not one, on every protocol, before reading anything", async () => {
    const reader = memoryClient(b.baseUrl, readerKey);
    for (const token of ["x".repeat(8_000), "100000000/0", "0/-1", "0/1/2", "é/1"]) {
      const err = await reader
        .listMemories({}, { headers: { [CONSISTENCY_TOKEN_HEADER]: token } })
        .then(() => null, ConnectError.from);
      expect(err?.code, token.slice(0, 20)).toBe(Code.InvalidArgument);
    }
    for (const protocol of ["connect-h1", "grpc", "grpc-web"] as const) {
      const client = memoryClient(b.baseUrl, readerKey, protocol);
      const err = await client
        .getMemory(
          { id: "00000000-0000-4000-8000-000000000000" },
          { headers: { [CONSISTENCY_TOKEN_HEADER]: "1; drop" } },
        )
        .then(() => null, ConnectError.from);
      expect(err?.code, protocol).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toContain(CONSISTENCY_TOKEN_HEADER);
    }
    const res = await fetch(`${b.baseUrl}/v1/memory`, {
      headers: { authorization: `Bearer ${readerKey}`, [CONSISTENCY_TOKEN_HEADER]: "x/y" },
    });
    expect(res.status).toBe(400);
  });

  it("a token from beyond the primary's log waits its bound, then reads the primary", async () => {
    const { id } = await write(memoryClient(a.baseUrl, a.adminKey), "from the future");
    const reader = memoryClient(b.baseUrl, readerKey);
    expect(await found(reader, id, "FFFFFFFF/FFFFFFFF")).toBe(true);
    const metrics = await (await fetch(`${b.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/engram_replica_reads_total\{target="not_replayed"\} [1-9]/);
  });

  it("a list read on the lagging replica hands watchers a cursor that misses nothing it did not show", async () => {
    const key = await b.createKey({ workspaceId: a.workspaceId });
    const subjectId = `cursor-${Date.now()}`;
    const writer = memoryClient(a.baseUrl, a.adminKey);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await writer.writeMemory({
        memory: { subjectType: "user", subjectId, kind: "note", content: `c${i}` },
      });
      ids.push(res.memory?.id ?? "");
    }
    const reader = memoryClient(b.baseUrl, key);
    const page = await reader.listMemories({ filter: { subjectType: "user", subjectId } });
    const shown = new Set(page.memories.map((m) => m.id));
    expect(shown.size).toBeLessThan(ids.length);
    const stream = watchMemories(reader, { afterCursor: page.watchCursor, filter: { subjectType: "user", subjectId } });
    try {
      const delivered = () => new Set(stream.changes.map((c) => c.memory?.id ?? ""));
      expect(await stream.until(() => ids.every((id) => shown.has(id) || delivered().has(id)))).toBe(true);
    } finally {
      await stream.close();
    }
  });

  it("health checks and reflection, which have no caller, still answer", async () => {
    const transport = createConnectTransport({ baseUrl: b.baseUrl, httpVersion: "1.1" });
    const health = await createClient(Health, transport).check({ service: MemoryService.typeName });
    expect(health.status).toBe(ServingStatus.SERVING);
  });

  it("with the replica stopped, reads go to the primary without an error", async () => {
    const reader = memoryClient(b.baseUrl, readerKey);
    await postgres.stopStandby();
    // At once, before the server's next look: the search starts on the replica and reruns on the primary.
    let results = 0;
    for await (const res of reader.searchMemories({ query: "token pair", mode: SearchMode.KEYWORD })) {
      if (res.memory !== undefined) results++;
    }
    expect(results).toBeGreaterThan(0);
    const writer = memoryClient(a.baseUrl, a.adminKey);
    for (let i = 0; i < 20; i++) {
      const { id, token } = await write(writer, `standby gone ${i}`);
      expect(await found(reader, id, token)).toBe(true);
      expect(await found(reader, id)).toBe(true);
    }
    results = 0;
    for await (const res of reader.searchMemories({ query: "standby gone", mode: SearchMode.KEYWORD })) {
      if (res.memory !== undefined) results++;
    }
    expect(results).toBeGreaterThan(0);
    const metrics = await (await fetch(`${b.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/engram_replica_up\{replica="[^"]+"\} 0/);
  });
});
