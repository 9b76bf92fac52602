/**
 * bench:load --replica: HYBRID searches on a read replica beside one Postgres, idle and while the
 * primary ingests (ImportMemories with precomputed vectors, four requests in flight, so that the
 * load is the database's and not the embedder's). Needs READ_DATABASE_URL, a hot standby of
 * DATABASE_URL's server (.ci/postgres.sh: pg_start; pg_standby_start). Both run on this machine:
 * the replica adds no capacity here, so the figures show what routing costs and how the standby
 * answers while it replays, not a scaled-out cluster.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { sameDatabaseOn } from "../src/db/database-url.js";
import { Visibility } from "../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../gen/ts/engram/v1/memory_service_pb.js";
import { auth, memoryClient } from "./load-client.js";
import { memory, question, random } from "./load-data.js";
import { startServer, type RunningServer, type Store } from "./load-server.js";
import { LOCAL_MODEL_ID, syntheticVectors } from "./load-vectors.js";
import { fixed, percentile, table } from "./report.js";

export interface ReplicaBench {
  /** The single-node server, already running on the store. */
  primary: RunningServer;
  store: Store;
  adminKey: string;
  agentKey: string;
  searches: number;
  progress: (line: string) => void;
}

/** The store's database on the standby. */
function replicaUrlOf(store: Store): string {
  const standby = process.env.READ_DATABASE_URL;
  if (!standby || !store.databaseUrl) throw new Error("--replica needs DATABASE_URL and READ_DATABASE_URL");
  return sameDatabaseOn(standby, store.databaseUrl);
}

/** Waits until the standby has replayed what the primary has written so far. */
async function caughtUp(store: Store, replicaUrl: string): Promise<void> {
  const primary = new pg.Client({ connectionString: store.databaseUrl });
  const replica = new pg.Client({ connectionString: replicaUrl });
  await primary.connect();
  await replica.connect();
  const { rows } = await primary.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn");
  const target = rows[0]?.lsn ?? "0/0";
  for (;;) {
    const replayed = await replica.query<{ done: boolean }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as done", [
      target,
    ]);
    if (replayed.rows[0]?.done === true) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await primary.end();
  await replica.end();
}

/** Imports batches of 100 through `server`, four in flight, until stopped; resolves once the first is in. */
async function ingestUntilStopped(
  server: RunningServer,
  adminKey: string,
  vectorOf: (i: number) => number[],
): Promise<{ stop(): Promise<number> }> {
  const client = memoryClient(server);
  const rand = random(77);
  let stopped = false;
  let imported = 0;
  const work = (async () => {
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stopped) {
          const memories = Array.from({ length: 100 }, (_, j) => {
            const m = memory(rand, imported + j, 1_000_000);
            const visibility = m.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE;
            const vector = { memory: { ...m, visibility, id: randomUUID(), embeddingModel: LOCAL_MODEL_ID } };
            return { ...vector, embedding: vectorOf(imported + j) };
          });
          await client.importMemories({ memories }, auth(adminKey));
          imported += memories.length;
        }
      }),
    );
  })();
  while (imported === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    async stop() {
      stopped = true;
      await work;
      return imported;
    },
  };
}

/** `count` HYBRID agent searches through `server`, one at a time: their latencies in ms. */
async function hybridSearches(server: RunningServer, key: string, count: number, seed: number): Promise<number[]> {
  const client = memoryClient(server);
  const rand = random(seed);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    for await (const result of client.searchMemories(
      { query: question(rand), mode: SearchMode.HYBRID, topK: 10 },
      auth(key),
    )) {
      void result;
    }
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/**
 * The table: HYBRID agent p50 / p95 through a server reading the primary and one reading the
 * replica, idle and while a third (`primary`, the run's server) imports.
 */
export async function replicaReads(bench: ReplicaBench): Promise<string> {
  const { primary, store, adminKey, agentKey, searches, progress } = bench;
  const replicaUrl = replicaUrlOf(store);
  progress("waiting for the standby to replay the load");
  await caughtUp(store, replicaUrl);
  // Searches go through servers of their own, so that the ingest's requests (through `primary`)
  // never share a process with them: one reading the primary, one reading the replica.
  const plain = await startServer({ ...store, embedder: "local", adminKey });
  const replica = await startServer({
    ...store,
    embedder: "local",
    adminKey,
    env: { ENGRAM_READ_DATABASE_URL: replicaUrl },
  });
  const rows: (string | number)[][] = [];
  const row = (name: string, latencies: number[], ingested = "") =>
    rows.push([name, fixed(percentile(latencies, 50), 1), fixed(percentile(latencies, 95), 1), ingested]);
  const vectorOf = await syntheticVectors(1024, 12);
  const count = Math.max(100, searches);
  try {
    // Both warm (the standby's buffers start cold).
    await hybridSearches(replica, agentKey, count, 1);
    await hybridSearches(plain, agentKey, count, 1);
    row("one Postgres, idle", await hybridSearches(plain, agentKey, count, 2));
    row("read replica, idle", await hybridSearches(replica, agentKey, count, 2));
    for (const [name, server] of [
      ["one Postgres, while it ingests", plain],
      ["read replica, while the primary ingests", replica],
    ] as const) {
      const ingest = await ingestUntilStopped(primary, adminKey, vectorOf);
      const started = performance.now();
      const latencies = await hybridSearches(server, agentKey, count, 3);
      const imported = await ingest.stop();
      row(name, latencies, fixed(imported / ((performance.now() - started) / 1000), 0));
      progress(`searched: ${name}`);
    }
  } finally {
    await replica.stop();
    await plain.stop();
  }
  return table(["HYBRID, agent, 1 in flight", "p50 ms", "p95 ms", "imported / s"], rows);
}
