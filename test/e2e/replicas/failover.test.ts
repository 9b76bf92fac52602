import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSISTENCY_TOKEN_HEADER } from "../../../src/memory/response-headers.js";
import { memoryClient } from "../../support/clients.js";
import { startReplicatedPostgres, type ReplicatedPostgres } from "../../support/replicated-postgres.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

/**
 * Issue 52: the primary fails, its standby is promoted and the database's address moves to it
 * (a TCP forwarder stands for the virtual IP or DNS name): a server that was reading the standby
 * goes on writing and reading without a restart, and no longer treats the promoted server as a
 * replica of anything.
 */
let postgres: ReplicatedPostgres;
let proxy: TcpProxy;
let server: TestServer;

const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  postgres = await startReplicatedPostgres(0);
  const database = await postgres.createDatabase();
  proxy = await startTcpProxy(portOf(database.url));
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  server = await startTestServer({
    databaseUrl: viaProxy.toString(),
    readDatabaseUrls: [database.replicaUrl],
    dbConnectTimeoutSeconds: 2,
  });
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await postgres?.stop();
});

async function writeAndRead(i: number): Promise<boolean> {
  const client = memoryClient(server.baseUrl, server.adminKey);
  let token = "";
  const written = await client.writeMemory(
    { memory: { subjectType: "user", subjectId: "failover", kind: "note", content: `note ${i}` } },
    { onHeader: (header) => (token = header.get(CONSISTENCY_TOKEN_HEADER) ?? "") },
  );
  const read = await client.getMemory(
    { id: written.memory?.id ?? "" },
    { headers: { [CONSISTENCY_TOKEN_HEADER]: token } },
  );
  return read.memory?.content === `note ${i}`;
}

describe("failover to a promoted standby", () => {
  it("goes on writing and reading without a restart", async () => {
    expect(await writeAndRead(0)).toBe(true);
    await postgres.crashPrimary();
    await postgres.promoteStandby();
    proxy.retarget(portOf(postgres.standbyUrl));
    // Calls in flight as the primary went may fail (retryably); within seconds they succeed again.
    const deadline = Date.now() + 30_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      recovered = await writeAndRead(1).catch(() => false);
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(true);
    for (let i = 2; i < 22; i++) expect(await writeAndRead(i)).toBe(true);
    const page = await memoryClient(server.baseUrl, server.adminKey).listMemories({
      filter: { subjectType: "user", subjectId: "failover" },
      pageSize: 100,
    });
    expect(page.memories).toHaveLength(22);
    // The promoted server answers, but as a primary: it is no longer read as a replica.
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/engram_replica_up\{replica="[^"]+"\} 0/);
  });
});
