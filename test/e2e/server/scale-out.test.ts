/**
 * Several stateless servers on one Postgres share the load: the rate limits hold across them,
 * a key revoked on one stops working on the others, their embedding workers split the
 * backlog without embedding any text twice, and an erasure on one empties the others' caches. Runs on the Postgres that global-setup provides,
 * whichever engine the rest of the suite uses.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { DEFAULT_CONFIG } from "../../../src/config.js";
import { EmbedderStarting, type Embedder } from "../../../src/embedding/embedder.js";
import { apiKeyClient, memoryClient } from "../../support/clients.js";
import { createTestDatabase } from "../../support/database.js";
import { wordHashVector } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { eventually, unique } from "../../engine/search/search-support.js";
import { clientWithKey } from "../../support/factories/key.js";

/**
 * Records what it embeds; while not up it reports itself still starting (looked at again every
 * 5 s, not on the doubling clock of a failed model), and it can be made to wait at a gate.
 */
class SharedWorkEmbedder implements Embedder {
  readonly id = "test:shared-work";
  readonly dimensions = 384;
  readonly embedded: string[] = [];
  up = true;
  /** Awaited by every call after the first; resolved by the test. */
  gate: Promise<void> = Promise.resolve();
  onEmbed: () => void = () => {};
  async ready(): Promise<void> {
    if (!this.up) throw new EmbedderStarting("not up yet");
  }
  async embed(texts: string[]): Promise<number[][]> {
    if (this.embedded.length > 0) await this.gate;
    this.embedded.push(...texts);
    this.onEmbed();
    return texts.map(wordHashVector);
  }
}

/** The embedding queue of a test database: jobs by status, lease and attempts. */
async function queueState(url: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select embedding_status, embedding_attempts, embedding_retry_time is null as never_claimed,
         round(extract(epoch from (embedding_retry_time - now()))) as lease_s, count(*)::int as n
       from memories group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

function reasonOf(err: unknown): { code: Code; reason: string | undefined } {
  const connectError = ConnectError.from(err);
  return { code: connectError.code, reason: connectError.findDetails(ErrorInfoSchema)[0]?.reason };
}

describe("two servers on one Postgres", () => {
  const embedderA = new SharedWorkEmbedder();
  const embedderB = new SharedWorkEmbedder();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresUrl"));
    const config = {
      databaseUrl: database.url,
      rateLimit: 3,
      embedding: { ...DEFAULT_CONFIG.embedding, provider: "local" as const },
    };
    a = await startTestServer(config, { embedder: embedderA });
    b = await startTestServer(config, { embedder: embedderB });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it("share one per-key rate limit: calls through A use up the key on B", async () => {
    const key = await a.createKey();
    const throughA = memoryClient(a.baseUrl, key);
    await Promise.all([throughA.listMemories({}), throughA.listMemories({}), throughA.listMemories({})]);
    const refused = await memoryClient(b.baseUrl, key)
      .listMemories({})
      .then(() => undefined, reasonOf);
    expect(refused).toEqual({ code: Code.ResourceExhausted, reason: "RATE_LIMITED" });
  });

  it("a key revoked through A stops working on B, which had it cached", async () => {
    const admin = apiKeyClient(a.baseUrl, a.adminKey);
    const { apiKey, secret } = await admin.createApiKey({
      apiKey: { displayName: "revoked", scopes: ["memory:read"] },
    });
    const readerOnB = memoryClient(b.baseUrl, secret);
    await readerOnB.listMemories({});
    await admin.revokeApiKey({ id: apiKey!.id });
    // Well within the lifetime of B's cached principal (a minute): only the revocation notice explains it.
    await eventually(
      async () => {
        const outcome = await readerOnB.listMemories({}).then(() => undefined, reasonOf);
        return outcome?.code === Code.Unauthenticated ? outcome : undefined;
      },
      { attempts: 50, intervalMs: 100 },
    );
  });

  it("an erasure through A drops what B's vector cache held of the erased text", async () => {
    const workspaceId = unique("ws");
    const writerOnB = await clientWithKey(b, { workspaceId });
    const text = `the vault code is ${unique("code")}`;
    const timesEmbedded = () => embedderB.embedded.filter((t) => t === text).length;
    const write = () =>
      writerOnB.writeMemory({
        memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content: text },
      });
    const first = (await write()).memory!.id;
    // Served from B's cache (no memory of the workspace held the text yet when it was asked for).
    const second = (await write()).memory!.id;
    expect(timesEmbedded()).toBe(1);
    const eraser = await clientWithKey(a, { workspaceId, scopes: ["admin"] });
    // Both: a live memory holding the text would lend its stored vector to the next write.
    for await (const event of eraser.eraseMemories({ ids: [first, second] })) expect(event.event.case).toBeDefined();
    // B hears of it by NOTIFY; until then a write of the text is served from B's cache.
    await eventually(
      async () => {
        await write().catch(() => undefined); // a look refused by the rate limit is just another miss
        return timesEmbedded() === 2 ? true : undefined;
      },
      { attempts: 30, intervalMs: 400 },
    );
  });
});

// Servers, embedders and a database of their own for each attempt: CI runs a failed test once
// more, and a second attempt on the first one's held embedder could only fail again.
describe("two servers on one Postgres, embedding", () => {
  interface Pair {
    database: Awaited<ReturnType<typeof createTestDatabase>>;
    a: TestServer;
    b: TestServer;
    embedderA: SharedWorkEmbedder;
    embedderB: SharedWorkEmbedder;
    releaseB: () => void;
  }
  let pair: Pair;

  beforeEach(async () => {
    const database = await createTestDatabase(inject("postgresUrl"));
    // A's embedder is still starting at first, so what is written through A waits for the workers.
    const embedderA = new SharedWorkEmbedder();
    embedderA.up = false;
    const embedderB = new SharedWorkEmbedder();
    const config = {
      databaseUrl: database.url,
      rateLimit: 3,
      embedding: { ...DEFAULT_CONFIG.embedding, provider: "local" as const },
    };
    const a = await startTestServer(config, { embedder: embedderA });
    const b = await startTestServer(config, { embedder: embedderB });
    pair = { database, a, b, embedderA, embedderB, releaseB: () => {} };
  });
  afterEach(async () => {
    pair.releaseB(); // a worker held at the gate would hold up its server's close
    await pair.a.close();
    await pair.b.close();
    await pair.database.drop();
  });

  it("split the embedding backlog, each text embedded once, woken by a write on the other server", async () => {
    const { a, embedderA, embedderB } = pair;
    const writer = await clientWithKey(a);
    const contents = Array.from({ length: 100 }, (_, i) => `backlog item ${i} ${unique("c")}`);
    // B embeds its first batch, then waits until A's worker has taken one too.
    embedderB.gate = new Promise((resolve) => (pair.releaseB = resolve));
    embedderB.onEmbed = () => (embedderA.up = true);
    embedderA.onEmbed = pair.releaseB;

    const { results } = await writer.batchWriteMemories({
      requests: contents.map((content) => ({
        memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content },
      })),
    });
    const ids = results.map((r) => (r.result.case === "response" ? r.result.value.memory!.id : ""));
    for (const r of results) {
      expect(r.result.case === "response" && r.result.value.memory!.embeddingStatus).toBe(EmbeddingStatus.PENDING);
    }

    await eventually(
      async () => {
        // Polled under the rate limit of 3 calls a second: a refused look is just another miss.
        const { memories } = await writer.listMemories({ pageSize: 500 }).catch(() => ({ memories: [] }));
        const attached = new Set(
          memories.filter((m) => m.embeddingStatus === EmbeddingStatus.ATTACHED).map((m) => m.id),
        );
        return ids.every((id) => attached.has(id)) ? true : undefined;
      },
      // A looks at its starting embedder every 5 s, so B's held batch waits seconds, well inside
      // its 60 s lease: one that ran out would be A's to take too, and embedded twice.
      { attempts: 240, intervalMs: 250 },
    ).catch(async (err: unknown) => {
      const state = {
        embeddedByA: embedderA.embedded.length,
        embeddedByB: embedderB.embedded.length,
        aUp: embedderA.up,
        // Whether the jobs left were leased (and until when) or never claimed.
        queue: await queueState(pair.database.url),
      };
      // The summary of a failure keeps its first 300 characters: the whole state goes to the log.
      console.error(`backlog test state: ${JSON.stringify(state)}`, a.warnings.join(""), pair.b.warnings.join(""));
      throw new Error(`${String(err)}: ${JSON.stringify(state)}`);
    });
    const embeddedA = embedderA.embedded.filter((t) => contents.includes(t));
    const embeddedB = embedderB.embedded.filter((t) => contents.includes(t));
    expect(embeddedA.length).toBeGreaterThan(0);
    expect(embeddedB.length).toBeGreaterThan(0);
    expect([...embeddedA, ...embeddedB].sort()).toEqual([...contents].sort());
  }, 120_000);
});

// A pair of its own: the revocation above already counts failures against this address.
describe("two other servers on one Postgres", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresUrl"));
    a = await startTestServer({ databaseUrl: database.url, authFailuresPerMinute: 4 });
    b = await startTestServer({ databaseUrl: database.url, authFailuresPerMinute: 4 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it("share the failed-authentication limit per client address", async () => {
    const guess = (server: TestServer) =>
      memoryClient(server.baseUrl, `guess-${unique("k")}`)
        .listMemories({})
        .then(() => undefined, reasonOf);
    // Four failed attempts a minute are allowed; the fifth goes over, and from then on both
    // servers refuse the address, though neither has seen more than three.
    for (const server of [a, b, a, b, a]) {
      expect((await guess(server))?.code).toBe(Code.Unauthenticated);
    }
    expect(await guess(a)).toEqual({ code: Code.ResourceExhausted, reason: "TOO_MANY_FAILED_AUTHENTICATIONS" });
    expect(await guess(b)).toEqual({ code: Code.ResourceExhausted, reason: "TOO_MANY_FAILED_AUTHENTICATIONS" });
  });
});
