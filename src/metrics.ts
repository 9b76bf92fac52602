import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Logger } from "pino";
import { totals, type MemoryCount } from "./memory/stats/stats.repository.js";
import { CountedSnapshot } from "./counted-snapshot.js";
import { loggableError } from "./logger.js";
import type { StorageReserve } from "./db/storage-reserve.js";
import type { RerankEvent } from "./memory/search/search.js";

/** Seconds, from half a millisecond to 2.5 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const STATES = ["active", "deleted", "expired", "superseded"] as const;

export type Outcome = "ok" | "error";

/** The server's Prometheus metrics (RPC metrics live with their interceptor). */
export interface ServerMetrics {
  registry: Registry;
  /** A database statement took this long. */
  observeQuery(seconds: number, outcome: Outcome): void;
  /** The embedder took this long for a batch of texts. */
  observeEmbedding(seconds: number, texts: number, outcome: Outcome): void;
  /** A search asked for rerank, and got it or kept its order (unavailable, busy, failed). */
  countRerank(outcome: RerankEvent["outcome"]): void;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const queries = new Histogram({
    name: "engram_db_query_duration_seconds",
    help: "Database statement time (millisecond resolution), by outcome",
    labelNames: ["outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const embeddings = new Histogram({
    name: "engram_embedder_duration_seconds",
    help: "Embedder time per batch of texts, by outcome",
    labelNames: ["outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const embeddedTexts = new Histogram({
    name: "engram_embedder_batch_size",
    help: "Texts per embedder batch",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const reranks = new Counter({
    name: "engram_rerank_searches_total",
    help: "Searches that asked for rerank, by outcome: applied, unavailable (no model loaded), busy, failed",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return {
    registry,
    observeQuery: (seconds, outcome) => queries.observe({ outcome }, seconds),
    countRerank: (outcome) => reranks.inc({ outcome }),
    observeEmbedding: (seconds, texts, outcome) => {
      embeddings.observe({ outcome }, seconds);
      embeddedTexts.observe(texts);
    },
  };
}

/**
 * Gauges of memories by state and of the embedding backlog, from one count over the memories
 * table that serves every scrape for `countSeconds` (CountedSnapshot): scrapes cost almost
 * nothing, however many scrapers there are and however large the table, and an idle server
 * with no scraper counts nothing. A failed count leaves the last values and logs one line.
 */
export function addMemoryGauges(
  metrics: ServerMetrics,
  counts: (now: Date) => Promise<MemoryCount[]>,
  countSeconds: number,
  logger: Logger,
): void {
  const counted = new CountedSnapshot(
    () => counts(new Date()),
    countSeconds * 1000,
    (err) => logger.warn({ error: loggableError(err) }, "metrics: counting memories failed"),
  );
  const snapshot = async (): Promise<MemoryCount[] | null> => (await counted.read()) ?? null;
  new Gauge({
    name: "engram_memories",
    help: "Memories stored, by state (active, deleted, expired, superseded), all workspaces",
    labelNames: ["state"],
    registers: [metrics.registry],
    async collect() {
      const all = await snapshot();
      if (all === null) return;
      for (const state of STATES) {
        this.set(
          { state },
          all.filter((c) => c.state === state).reduce((sum, c) => sum + c.count, 0),
        );
      }
    },
  });
  new Gauge({
    name: "engram_embedding_backlog",
    help: "Memories waiting for a vector (pending, not deleted), all workspaces",
    registers: [metrics.registry],
    async collect() {
      const all = await snapshot();
      if (all !== null) this.set(totals(all).embeddingBacklog);
    },
  });
}

/** The embedded data directory's free space as last measured, its reserve, and whether writes are refused. */
export function addStorageGauges(metrics: ServerMetrics, storage: StorageReserve): void {
  const registers = [metrics.registry];
  new Gauge({
    name: "engram_storage_free_bytes",
    help: "Free bytes on the embedded data directory's file system, as last measured (each second)",
    registers,
    collect() {
      if (storage.freeBytes !== undefined) this.set(storage.freeBytes);
    },
  });
  new Gauge({
    name: "engram_storage_reserve_bytes",
    help: "Free bytes below which writes are refused (--storage-reserve-mb)",
    registers,
    collect() {
      this.set(storage.reserveBytes);
    },
  });
  new Gauge({
    name: "engram_storage_writes_refused",
    help: "1 while writes are refused because free space is below the reserve, else 0",
    registers,
    collect() {
      this.set(storage.full ? 1 : 0);
    },
  });
}

/** WatchMemories streams open on this server. */
export function addFeedGauges(metrics: ServerMetrics, openStreams: () => number): void {
  new Gauge({
    name: "engram_watch_streams",
    help: "WatchMemories streams open on this server",
    registers: [metrics.registry],
    collect() {
      this.set(openStreams());
    },
  });
}
