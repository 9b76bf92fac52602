/**
 * The change feed across servers on one Postgres: a change committed through either server
 * reaches watchers on both, over every protocol, in the one commit order the database gives;
 * a transaction that commits after a later-numbered one is delivered after it, and holds
 * nothing back while open; a key revoked on one server ends its streams on the other. Runs on
 * the Postgres that global-setup provides, whichever engine the rest of the suite uses.
 */
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MemoryChange } from "../../../gen/ts/engram/v1/memory_pb.js";
import { apiKeyClient, memoryClient, type Protocol } from "../../support/clients.js";
import { createTestDatabase } from "../../support/database.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { watchMemories, type WatchedStream } from "../../support/watch.js";
import { aNote } from "../../support/factories/memory.js";

const WORKSPACE = `ws-${randomUUID()}`;

describe("the change feed on two servers sharing Postgres", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresUrl"));
    const config = { databaseUrl: database.url };
    a = await startTestServer(config, { embedder: new WordHashEmbedder() });
    b = await startTestServer(config, { embedder: new WordHashEmbedder() });
    admin = await a.createKey({ scopes: ["admin"], workspaceId: WORKSPACE });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  // A subject of its own each, so that the write guard merges none of them.
  const note = (subjectType: string, content: string) => aNote(content, content, { subjectType });

  function watchOn(server: TestServer, protocol: Protocol, subjectType: string): WatchedStream {
    return watchMemories(memoryClient(server.baseUrl, admin, protocol), { filter: { subjectType } });
  }

  it("delivers writes through either server to watchers on both, over every protocol, in one order", async () => {
    const subjectType = `shared-${randomUUID()}`;
    const streams = [
      watchOn(a, "grpc", subjectType),
      watchOn(a, "connect-h1", subjectType),
      watchOn(b, "grpc-web", subjectType),
      watchOn(b, "connect-h2", subjectType),
    ];
    await Promise.all(streams.map((s) => s.opened()));
    const writers = [memoryClient(a.baseUrl, admin), memoryClient(b.baseUrl, admin)];
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = 0; i < 15; i++) await client.writeMemory({ memory: note(subjectType, `server ${w} write ${i}`) });
      }),
    );
    for (const stream of streams) expect(await stream.until((s) => s.changes.length >= 30)).toBe(true);
    const [reference, ...others] = streams.map((s) => s.changes.map((c) => `${c.cursor} ${c.memory?.content}`));
    expect(new Set(reference).size).toBe(30);
    for (const order of others) expect(order).toEqual(reference);
    await Promise.all(streams.map((s) => s.close()));
  });

  it("delivers in commit order: a transaction open while a later one commits holds nothing back, and comes after it", async () => {
    const subjectType = `order-${randomUUID()}`;
    const client = memoryClient(a.baseUrl, admin);
    const early = (await client.writeMemory({ memory: note(subjectType, "first version") })).memory!;
    const stream = watchOn(b, "grpc", subjectType);
    await stream.opened();

    // A transaction that changes `early` (logging its change first) and stays open...
    const open = new pg.Client({ connectionString: database.url });
    await open.connect();
    try {
      await open.query("begin");
      await open.query(
        `update memories set content = 'second version', revision = revision + 1, update_time = now(),
          last_change = 'updated' where id = $1`,
        [early.id],
      );
      // ...while a change logged after it commits, and is delivered at once.
      const late = (await client.writeMemory({ memory: note(subjectType, "written meanwhile") })).memory!;
      expect(await stream.until((s) => s.changes.length === 1)).toBe(true);
      expect(stream.changes[0]?.memory?.id).toBe(late.id);
      await open.query("commit");
    } finally {
      await open.end();
    }
    expect(await stream.until((s) => s.changes.length === 2)).toBe(true);
    const [first, second] = stream.changes;
    expect([second?.memory?.id, second?.memory?.content, second?.revision]).toEqual([early.id, "second version", 2n]);
    expect(BigInt(second!.cursor)).toBeGreaterThan(BigInt(first!.cursor));
    await stream.close();
  });

  it("ends a stream on B with UNAUTHENTICATED when its key is revoked through A", async () => {
    const created = await apiKeyClient(a.baseUrl, admin).createApiKey({
      apiKey: { displayName: "watcher", scopes: ["memory:read"] },
    });
    const stream = watchMemories(memoryClient(b.baseUrl, created.secret, "grpc"));
    await stream.opened();
    await apiKeyClient(a.baseUrl, admin).revokeApiKey({ id: created.apiKey!.id });
    await stream.done;
    expect(stream.error?.code).toBe(Code.Unauthenticated);
  });

  it("numbers what a server wrote but never numbered: another server's poll delivers it", async () => {
    const subjectType = `orphan-${randomUUID()}`;
    const stream = watchOn(b, "connect-h1", subjectType);
    await stream.opened();
    // A write committed by a server that died before numbering it, as far as the log can tell.
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    try {
      await direct.query(
        `insert into memories (workspace_id, id, subject_type, kind, content, content_fingerprint, create_time, update_time)
         values ($1, gen_random_uuid(), $2, 'note', 'written around the servers', 'x', now(), now())`,
        [WORKSPACE, subjectType],
      );
    } finally {
      await direct.end();
    }
    expect(await stream.until((s) => s.changes.length === 1)).toBe(true);
    expect(stream.changes[0]?.change).toBe(MemoryChange.CREATED);
  });
});
