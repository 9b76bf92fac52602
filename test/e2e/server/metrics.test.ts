import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../../src/embedding/embedder.js";
import { memoryClient } from "../../support/clients.js";
import { watchMemories } from "../../support/watch.js";
import { wordHashVector } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { eventually } from "../../engine/search/search-support.js";
import { aNote } from "../../support/factories/memory.js";

/** A word-hash embedder that can be taken down: its embed() fails while `down`. */
class SwitchableEmbedder implements Embedder {
  readonly id = "test:switchable";
  readonly dimensions = 384;
  down = false;
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    if (this.down) throw new Error("embedder down");
    return texts.map(wordHashVector);
  }
}

const embedder = new SwitchableEmbedder();
let server: TestServer;

const TOKEN = "scrape-secret";

beforeAll(async () => {
  // Counting at every scrape (0 s) lets the tests see writes at once; the default is a minute.
  server = await startTestServer({ metricsToken: TOKEN, metricsCountSeconds: 0 }, { embedder });
});
afterAll(async () => server.close());

async function scrape(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series (0 when it has not been recorded yet). */
function value(metrics: string, series: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  const client = () => memoryClient(server.baseUrl, server.adminKey);
  const write = (subjectId: string, content: string) => client().writeMemory({ memory: aNote(subjectId, content) });

  it("answers only a scraper bearing the metrics token", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const refused = await fetch(`${server.baseUrl}/metrics`, { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
      expect(await refused.text()).not.toContain("engram_");
    }
    expect(await scrape()).toContain("# TYPE engram_rpc_total counter");
  });

  it("counts memories by state (superseded ones too) from the database, a scrape starting the next count", async () => {
    // A scrape answers from the last count and starts the next: the first scrape after a write
    // may show the count from before it.
    const before = await scrape();
    const kept = await write("metrics-state", "renewal due in March");
    const dropped = await write("metrics-state", "asked for a discount");
    await client().deleteMemory({ id: dropped.memory!.id });
    expect(kept.memory?.id).toBeDefined();
    const replaced = await write("metrics-state", "the budget owner is Dana");
    await client().writeMemory({
      memory: { subjectType: "contact", subjectId: "metrics-state", kind: "note", content: "the budget owner is Lee" },
      supersedes: [replaced.memory!.id],
    });

    const after = await eventually(async () => {
      const metrics = await scrape();
      return value(metrics, 'engram_memories{state="deleted"}') > value(before, 'engram_memories{state="deleted"}')
        ? metrics
        : undefined;
    });
    expect(after).toContain("# TYPE engram_memories gauge");
    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('engram_memories{state="active"}')).toBe(2);
    expect(delta('engram_memories{state="deleted"}')).toBe(1);
    expect(delta('engram_memories{state="superseded"}')).toBe(1);
    expect(value(after, 'engram_memories{state="expired"}')).toBe(0);
  });

  it("shows the embedding backlog while the embedder is down, and embedder time by outcome", async () => {
    embedder.down = true;
    const before = await scrape();
    await write("metrics-backlog", "wants a quote by Friday");
    await write("metrics-backlog", "switching from the legacy plan");
    const down = await eventually(async () => {
      const metrics = await scrape();
      return value(metrics, "engram_embedding_backlog") === 2 ? metrics : undefined;
    });
    const failedBatches = 'engram_embedder_duration_seconds_count{outcome="error"}';
    expect(value(down, failedBatches)).toBeGreaterThan(value(before, failedBatches));

    embedder.down = false;
    const drained = await eventually(
      async () => {
        const metrics = await scrape();
        return value(metrics, "engram_embedding_backlog") === 0 ? metrics : undefined;
      },
      { attempts: 120, intervalMs: 500 },
    );
    expect(value(drained, 'engram_embedder_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(0);
    expect(value(drained, "engram_embedder_batch_size_count")).toBeGreaterThan(0);
  }, 90_000);

  it("times database statements and counts RPCs by method and code", async () => {
    const before = await scrape();
    await write("metrics-rpc", "prefers calls in the afternoon");
    await client()
      .getMemory({ id: "not-a-memory" })
      .catch(() => undefined);
    const after = await scrape();
    const statements = 'engram_db_query_duration_seconds_count{outcome="ok"}';
    expect(value(after, statements)).toBeGreaterThan(value(before, statements));
    expect(after).toContain('engram_db_query_duration_seconds_bucket{le="0.001",outcome="ok"}');
    const notFound = 'engram_rpc_total{method="engram.v1.MemoryService/GetMemory",code="notfound"}';
    expect(value(after, notFound) - value(before, notFound)).toBe(1);
  });

  it("counts a stream by its handler's outcome up to the first message, not by its start", async () => {
    const key = await server.createKey({ agentId: "agent-metrics" });
    const series = (code: string) => `engram_rpc_total{method="engram.v1.MemoryService/SearchMemories",code="${code}"}`;
    const before = await scrape();
    // The handler refuses a bound key acting as another agent once read, after the call has started.
    const answers = memoryClient(server.baseUrl, key).searchMemories({ query: "calls", filter: { agentId: "other" } });
    const read = async () => {
      for await (const answer of answers) expect(answer).toBeUndefined();
    };
    await expect(read()).rejects.toThrow(/bound to another agent/);
    for await (const answer of client().searchMemories({ query: "calls" })) expect(answer).toBeDefined();
    const after = await scrape();
    expect(value(after, series("permissiondenied")) - value(before, series("permissiondenied"))).toBe(1);
    expect(value(after, series("ok")) - value(before, series("ok"))).toBe(1);
  });

  it("counts the searches that asked for rerank by outcome (this server has no reranker)", async () => {
    const series = 'engram_rerank_searches_total{outcome="unavailable"}';
    const before = value(await scrape(), series);
    const results = async (request: { query: string; rerank?: boolean }) => {
      const memories = [];
      for await (const r of client().searchMemories(request)) memories.push(r.memory);
      return memories;
    };
    expect(await results({ query: "calls", rerank: true })).toEqual(await results({ query: "calls" }));
    expect(value(await scrape(), series) - before).toBe(1);
  });

  it("counts the WatchMemories streams open, and forgets a stream once it closes", async () => {
    expect(value(await scrape(), "engram_watch_streams")).toBe(0);
    const streams = [watchMemories(client()), watchMemories(client())];
    await Promise.all(streams.map((s) => s.opened()));
    expect(value(await scrape(), "engram_watch_streams")).toBe(2);
    await Promise.all(streams.map((s) => s.close()));
    const closed = await eventually(async () => {
      const metrics = await scrape();
      return value(metrics, "engram_watch_streams") === 0 ? metrics : undefined;
    });
    expect(value(closed, "engram_watch_streams")).toBe(0);
  });

  it("shows the graph tally rows the folder has not folded, none once it has", async () => {
    await write("metrics-tallies", "Ana Lopez from Fjord Labs asked about the renewal");
    // How many are unfolded at a scrape depends on the folder's timer (counted in the service
    // tier, test/service/graph/unfolded-tallies.test.ts); after a fold of everything, none.
    expect(await scrape()).toMatch(/^engram_graph_unfolded_tally_rows \d+$/m);
    await server.engram.tallies.foldAll();
    // A scrape shows the last count and starts the next.
    const folded = await eventually(async () => {
      const metrics = await scrape();
      return value(metrics, "engram_graph_unfolded_tally_rows") === 0 ? metrics : undefined;
    });
    expect(folded).toMatch(/^engram_graph_unfolded_tally_rows 0$/m);
  });

  it("shows the embedded data directory's free space against its reserve; on Postgres, nothing of it", async () => {
    const metrics = await scrape();
    if (server.databaseUrl !== undefined) {
      expect(metrics).not.toContain("engram_storage_");
      return;
    }
    expect(value(metrics, "engram_storage_free_bytes")).toBeGreaterThan(0);
    expect(value(metrics, "engram_storage_reserve_bytes")).toBe(256 * 1024 * 1024);
    expect(metrics).toMatch(/^engram_storage_writes_refused 0$/m);
  });
});
