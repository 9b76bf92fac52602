/**
 * What Prometheus scrapes cost the service: ListMemories latency on a PGlite server holding
 * --memories memories (no embedder), alone and while --scrapers clients scrape /metrics in a
 * loop, with the memory gauges counted at every scrape (--metrics-count-interval 0, as before
 * the counts were cached) and with the default interval. It measures; it asserts nothing.
 *
 *   npx tsx bench/scrapes.ts [--memories 20000 --scrapers 8 --lists 200]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MemoryService } from "../gen/ts/engram/v1/memory_service_pb.js";
import { cpuMs, startServer } from "./load-server.js";
import { fixed, percentile, table } from "./report.js";

const { values } = parseArgs({
  options: {
    memories: { type: "string", default: "20000" },
    scrapers: { type: "string", default: "8" },
    lists: { type: "string", default: "200" },
  },
});
const MEMORIES = Number(values.memories);
const SCRAPERS = Number(values.scrapers);
const LISTS = Number(values.lists);
const adminKey = `bench-${randomBytes(16).toString("hex")}`;
const call = { headers: { authorization: `Bearer ${adminKey}` } };

const rows: (string | number)[][] = [];
for (const interval of ["0", "60"]) {
  const dataDir = await mkdtemp(join(tmpdir(), "engram-scrapes-"));
  const server = await startServer({
    dataDir,
    databaseUrl: undefined,
    embedder: "none",
    adminKey,
    env: { ENGRAM_METRICS_COUNT_INTERVAL: interval },
  });
  try {
    const client = createClient(MemoryService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    for (let i = 0; i < MEMORIES; i += 100) {
      const requests = Array.from({ length: Math.min(100, MEMORIES - i) }, (_, j) => ({
        memory: { subjectType: "contact", subjectId: `c-${(i + j) % 500}`, kind: "note", content: `note ${i + j}` },
      }));
      await client.batchWriteMemories({ requests }, call);
    }
    const list = () => client.listMemories({ filter: { subjectId: "c-7" }, pageSize: 20 }, call);
    const timeLists = async (): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < LISTS; i++) {
        const start = performance.now();
        await list();
        samples.push(performance.now() - start);
      }
      return samples;
    };
    await timeLists();
    const alone = await timeLists();

    let scraping = true;
    let scrapes = 0;
    const scraper = async () => {
      while (scraping) {
        await (await fetch(`${server.baseUrl}/metrics`)).text();
        scrapes += 1;
      }
    };
    const cpuBefore = cpuMs(server.pid);
    const scrapers = Array.from({ length: SCRAPERS }, scraper);
    const loaded = await timeLists();
    scraping = false;
    await Promise.all(scrapers);
    const cpu = cpuMs(server.pid) - cpuBefore;
    for (const [label, samples] of [
      ["alone", alone],
      [`${SCRAPERS} scrapers`, loaded],
    ] as const) {
      rows.push([
        `${interval} s`,
        label,
        fixed(percentile(samples, 50), 1),
        fixed(percentile(samples, 95), 1),
        label === "alone" ? "" : scrapes,
        label === "alone" ? "" : fixed((cpu - loaded.length * percentile(alone, 50)) / Math.max(1, scrapes), 2),
      ]);
    }
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
console.log(`\nListMemories on PGlite with ${MEMORIES} memories, ${LISTS} calls, while /metrics is scraped\n`);
console.log(
  table(
    ["count interval", "scraping", "list p50 ms", "list p95 ms", "scrapes", "server CPU ms per scrape (approx.)"],
    rows,
  ),
);
