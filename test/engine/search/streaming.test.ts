/**
 * SearchMemories streams: results arrive in rank order on every protocol, and the first one is
 * on the wire while later ones are still being read from the database.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchMode, type SearchMemoriesResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { ApiKeys } from "../../../src/auth/api-keys.js";
import type { Viewer } from "../../../src/auth/principal.js";
import type { MemoryRecord } from "../../../src/memory/record.js";
import { MemoryRepository } from "../../../src/memory/memory.repository.js";
import type { MemoryRepositories } from "../../../src/memory/repositories.js";
import { apiHandlers } from "../../../src/api-handlers.js";
import { memoryRateLimiters } from "../../../src/api/rate-limiters.js";
import { httpHandler } from "../../../src/server/http.js";
import { OPENAPI_DOCUMENT } from "../../../src/generated-files.js";
import { readOpenApi } from "../../../src/server/rest/openapi-document.js";
import { listen } from "../../../src/server/listener.js";
import type { Protocol } from "../../support/clients.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import type { TestServer } from "../../support/server.js";
import {
  clientFor,
  directClient,
  expectRankOrder,
  MODES,
  modeName,
  serviceRoutes,
  unique,
  useSearchServer,
  type MemoryClient,
} from "./search-support.js";
import { searchAll } from "../../support/factories/search.js";
import { aNoteWrite } from "../../support/factories/memory.js";

const ctx = useSearchServer({ embedder: new WordHashEmbedder() });

/** Writes `count` memories about one subject, all sharing the words "quarterly renewal", in batches of 100. */
async function writeRenewals(subjectId: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const requests = Array.from({ length: Math.min(100, count - start) }, (_, j) => {
      const i = start + j;
      // Some share more of the query's words than others, so scores differ.
      const extra = ["pricing", "discount", "pricing discount", ""][i % 4];
      return aNoteWrite(subjectId, `quarterly renewal ${extra} item${i}`);
    });
    const res = await ctx.admin.batchWriteMemories({ requests, atomic: true });
    expect(res.results).toHaveLength(requests.length);
  }
}

const protocols: Protocol[] = ["grpc", "connect-h1", "connect-h2", "grpc-web"];

describe("rank order on every protocol", () => {
  const subjectId = unique("ranked");
  beforeAll(async () => {
    await writeRenewals(subjectId, 40);
  });

  const cases = protocols.flatMap((protocol) => MODES.map((mode) => [protocol, modeName(mode), mode] as const));

  it.each(cases)("%s, %s: ranks 1..n, scores non-increasing, mode on every response", async (protocol, _, mode) => {
    const client = clientFor(ctx.server, ctx.server.adminKey, protocol);
    const responses = await searchAll(client, {
      query: "quarterly renewal pricing discount",
      filter: { subjectId },
      topK: 25,
      mode,
    });
    expect(responses).toHaveLength(25);
    expectRankOrder(responses, mode);
    // Scores really differ: the order is a ranking, not an accident of insertion.
    expect(responses[0]!.score).toBeGreaterThan(responses.at(-1)!.score);
  });

  it("every protocol streams the same ranking", async () => {
    const rankings = await Promise.all(
      protocols.map(async (protocol) => {
        const client = clientFor(ctx.server, ctx.server.adminKey, protocol);
        const res = await searchAll(client, { query: "renewal discount", filter: { subjectId }, topK: 30 });
        return res.map((r) => r.memory!.id);
      }),
    );
    for (const ranking of rankings.slice(1)) expect(ranking).toEqual(rankings[0]);
  });
});

/**
 * A gate on MemoryRepository.findMany: the first read of result rows runs, every later one
 * waits until the gate opens. If the first result reaches the client while the gate is still
 * closed, results are streamed as they are read rather than collected first.
 */
class ReadGate {
  calls = 0;
  opened = false;
  private release!: () => void;
  readonly wait = new Promise<void>((resolve) => (this.release = resolve));

  open(): void {
    this.opened = true;
    this.release();
  }

  readonly repository = (em: EntityManager): MemoryRepository => gatedRepository(this, em);
}

function gatedRepository(gate: ReadGate, em: EntityManager): MemoryRepository {
  return new (class extends MemoryRepository {
    override async findMany(viewer: Viewer, ids: string[]): Promise<MemoryRecord[]> {
      gate.calls += 1;
      if (gate.calls > 1) await gate.wait;
      return super.findMany(viewer, ids);
    }
  })(em);
}

/**
 * The server's own transport (one-port listener, the handlers and interceptors startEngram
 * installs, real API-key auth) in front of a MemoryService that reads through `repositories`,
 * on the test server's database.
 */
async function serveWith(
  server: TestServer,
  repositories: Partial<MemoryRepositories>,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const logger = pino({ level: "silent" });
  const metrics = new Registry();
  const { connect, rest, mcp, seeds } = apiHandlers({
    routes: serviceRoutes(server, repositories),
    authentication: {
      apiKeys: new ApiKeys(server.engram.db.em),
      rateLimitPerSecond: 0,
      authFailuresPerMinute: 0,
      limiters: memoryRateLimiters,
    },
    logger,
    metrics,
  });
  const openapi = await readOpenApi(OPENAPI_DOCUMENT);
  const listener = await listen(
    httpHandler({ connect, rest, mcp, seeds, openapi, isReady: async () => true, metrics, console: new Map() }),
    {
      host: "127.0.0.1",
      port: 0,
    },
  );
  return { baseUrl: `http://127.0.0.1:${listener.port}`, close: () => listener.close(1_000) };
}

describe("the first result arrives before the last is read", () => {
  const subjectId = unique("streamed");
  let served: { baseUrl: string; close(): Promise<void> };
  // Each test installs a fresh gate; the service reads through whichever is current.
  let gate: ReadGate;
  const repository = (em: EntityManager) => gate.repository(em);

  beforeAll(async () => {
    await writeRenewals(subjectId, 120);
    served = await serveWith(ctx.server, { memories: repository });
  });
  afterAll(async () => {
    await served?.close();
  });

  const clients: [string, () => MemoryClient][] = [
    ["in-memory router", () => directClient(ctx.server, { memories: repository })],
    ...protocols.map((protocol): [string, () => MemoryClient] => [
      protocol,
      () => clientFor(served, ctx.server.adminKey, protocol),
    ]),
  ];

  it.each(clients)("%s: top_k 100 streams its first result while later batches wait", async (_, makeClient) => {
    gate = new ReadGate();
    const client = makeClient();
    // Only breaks a deadlock (a non-streaming server would wait forever); asserted below, never timed.
    const safety = setTimeout(() => gate.open(), 10_000);
    try {
      const results = client.searchMemories({ query: "quarterly renewal", filter: { subjectId }, topK: 100 });
      const stream = results[Symbol.asyncIterator]();
      const first = await stream.next();
      const seenAtFirst = { opened: gate.opened, calls: gate.calls };
      gate.open();
      const responses: SearchMemoriesResponse[] = [first.value as SearchMemoriesResponse];
      for (let next = await stream.next(); !next.done; next = await stream.next()) responses.push(next.value);

      expect(first.done).toBe(false);
      expect(seenAtFirst.opened, "the first result only arrived once every read was allowed").toBe(false);
      expect(seenAtFirst.calls).toBeLessThanOrEqual(2);
      // 100 results are read in batches of 10: all of them were read in the end, most after the first arrived.
      expect(responses).toHaveLength(100);
      expect(gate.calls).toBe(10);
      expectRankOrder(responses, SearchMode.HYBRID);
    } finally {
      clearTimeout(safety);
      gate.open();
    }
  });

  it("REST with Accept: application/x-ndjson: the first line arrives while later batches wait", async () => {
    gate = new ReadGate();
    const safety = setTimeout(() => gate.open(), 10_000);
    try {
      const res = await fetch(`${served.baseUrl}/v1/memory/search`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${ctx.server.adminKey}`,
          "content-type": "application/json",
          accept: "application/x-ndjson",
        },
        body: JSON.stringify({ query: "quarterly renewal", subject_id: subjectId, top_k: 100 }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-ndjson");
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += chunk.value;
      }
      const seenAtFirst = { opened: gate.opened, calls: gate.calls };
      gate.open();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += chunk.value;

      expect(seenAtFirst.opened, "the first line only arrived once every read was allowed").toBe(false);
      expect(seenAtFirst.calls).toBeLessThanOrEqual(2);
      const lines = text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { rank: number; mode: string });
      expect(lines).toHaveLength(100);
      expect(lines.map((l) => l.rank)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(new Set(lines.map((l) => l.mode))).toEqual(new Set(["hybrid"]));
      expect(gate.calls).toBe(10);
    } finally {
      clearTimeout(safety);
      gate.open();
    }
  });
});
