/**
 * Engram under load through the public API (Connect over HTTP/1.1), against the floor measured
 * in the same run: the embedder alone and the raw SQL each operation needs, on the same engine
 * and data. The server runs as its own process; its CPU time comes from /proc. On PGlite (the
 * default) or on the Postgres named by DATABASE_URL. Prints tables; asserts nothing.
 *
 *   npm run bench:load [-- --memories 10000 --searches 100 --writes 200 --embedder local|none]
 *   npm run bench:load -- --load import --memories 1000000   (precomputed vectors; see load-vectors.ts)
 *   ... --keep   (the loaded store stays, its URL or directory printed, for EXPLAIN)
 *   ... --rerank-searches 10   (one HYBRID + rerank row, the workspace's, over this many searches: CI's short run)
 *   ... --graph   (HYBRID searches with graph expansion, decision 0026)
 *   ... --replica   (HYBRID on a read replica, READ_DATABASE_URL; see replica-reads.ts)
 *   ... --bulk-texts 2000   (the bulk-ingest rows: 2000 short texts and a fifth as many long ones; 0: none)
 *   ... --bulk-only   (those rows alone)
 *   DATABASE_URL=<kept database> npm run bench:load -- --reuse <its data dir> --memories N   (no load)
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ApiKeyService } from "../gen/ts/engram/v1/api_key_service_pb.js";
import { Visibility } from "../gen/ts/engram/v1/memory_pb.js";
import { GraphExpansion, SearchMode } from "../gen/ts/engram/v1/memory_service_pb.js";
import {
  embedderFloor,
  insertFloor,
  listFloor,
  openSql,
  rerankerFloor,
  searchFloor,
  upsertFloor,
  type Cost,
  type SqlFloor,
} from "./load-floor.js";
import { candidatePool } from "../src/memory/search/search.js";
import { RERANK_CANDIDATES } from "../src/rerank/rerank.js";
import { AGENTS, memory, note, question, random } from "./load-data.js";
import { LOCAL_MODEL_ID, syntheticVectors } from "./load-vectors.js";
import { auth, entityClient, memoryClient, untilReranking } from "./load-client.js";
import {
  cpuMs,
  newStore,
  postgresCpuMs,
  rssMb,
  startServer,
  untilTalliesFolded,
  type RunningServer,
} from "./load-server.js";
import { fixed, percentile, table } from "./report.js";
import { replicaReads } from "./replica-reads.js";
import { bulkIngestRow, bulkTable, bulkTexts } from "./bulk-ingest.js";

const { values } = parseArgs({
  options: {
    memories: { type: "string", default: "2000" },
    searches: { type: "string", default: "60" },
    writes: { type: "string", default: "100" },
    embedder: { type: "string", default: "local" },
    /** write: BatchWriteMemories through the embedder; import: ImportMemories with precomputed vectors. */
    load: { type: "string", default: "write" },
    /** Leave the loaded store in place (its URL or directory is printed), to inspect or EXPLAIN. */
    keep: { type: "boolean", default: false },
    /**
     * Measure on a store kept by --keep instead of loading one: its data directory (which holds
     * admin.key); on Postgres, DATABASE_URL names its database. Give the same --memories.
     */
    reuse: { type: "string" },
    /**
     * Measure HYBRID + rerank in one scope (the workspace) over this many searches, not in each
     * over --searches: the cross-encoder's pairs are most of a short run's time otherwise.
     */
    "rerank-searches": { type: "string" },
    /** HYBRID searches with graph expansion (the floor stays the search without it). */
    graph: { type: "boolean", default: false },
    /** HYBRID on a read replica beside one Postgres, idle and while the primary ingests (replica-reads.ts). */
    replica: { type: "boolean", default: false },
    /** The bulk-ingest rows' short texts (about 60 characters) and long ones (about 1,000); 0 skips them. */
    "bulk-texts": { type: "string", default: "2000" },
    /** Only the bulk-ingest rows. */
    "bulk-only": { type: "boolean", default: false },
  },
});
const BULK_TEXTS = Number(values["bulk-texts"]);
const IMPORT = values.load === "import";
/** With --embedder none: no vectors at all (quick runs at large sizes; searches are KEYWORD). */
const LOCAL = values.embedder !== "none";
const MEMORIES = Number(values.memories);
const SEARCHES = Number(values.searches);
const RERANK_SEARCHES = values["rerank-searches"] === undefined ? undefined : Number(values["rerank-searches"]);
const WRITES = Number(values.writes);
const BATCH = 100;
const CORES = 2;
/** The deepest search measured: as many memories as an agent puts in one prompt. */
const DEEP_TOP_K = 50;
const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
const engine = baseDatabaseUrl ? "Postgres" : "PGlite";
const REUSE = values.reuse;
const adminKey = REUSE
  ? readFileSync(join(REUSE, "admin.key"), "utf8").trim()
  : `bench-${randomBytes(16).toString("hex")}`;

const progress = (line: string) => process.stderr.write(`[bench:load] ${line}\n`);

/** What a stretch of calls cost: latencies, wall time, and CPU of the server (and of Postgres). */
interface Run {
  latencies: number[];
  seconds: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  count: number;
}

/** `count` calls of `op`, `concurrency` at a time. */
async function run(
  server: RunningServer,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = cpuMs(server.pid);
  const pgBefore = baseDatabaseUrl ? postgresCpuMs() : 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const callStarted = performance.now();
        await op(i);
        latencies.push(performance.now() - callStarted);
      }
    }),
  );
  return {
    latencies,
    seconds: (performance.now() - started) / 1000,
    serverCpuMs: cpuMs(server.pid) - cpuBefore,
    postgresCpuMs: baseDatabaseUrl ? postgresCpuMs() - pgBefore : 0,
    count,
  };
}

const perOp = (r: Run) => (r.serverCpuMs + r.postgresCpuMs) / r.count;
const rate = (r: Run, items = r.count) => items / r.seconds;

/** Writes `total` synthetic memories in batches of 100, four batches in flight. */
async function ingest(server: RunningServer, total: number, seed: number): Promise<Run> {
  const client = memoryClient(server);
  const rand = random(seed);
  const batches = Math.ceil(total / BATCH);
  const result = await run(server, batches, 4, async (b) => {
    const requests = Array.from({ length: Math.min(BATCH, total - b * BATCH) }, (_, j) => {
      const m = memory(rand, b * BATCH + j, total);
      const visibility = m.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE;
      return { memory: { ...m, visibility } };
    });
    const { results } = await client.batchWriteMemories({ requests }, auth(adminKey));
    const failed = results.find((r) => r.result.case === "error");
    if (failed) throw new Error(`ingest: ${JSON.stringify(failed.result.value)}`);
    if (b % 10 === 9) progress(`ingested ${(b + 1) * BATCH}/${total}`);
  });
  return { ...result, count: total };
}

/**
 * Loads `total` memories through ImportMemories with precomputed vectors (load-vectors.ts), 100 a
 * request, four in flight. On Postgres the HNSW index is dropped first and built once at the end,
 * as a bulk load would, and the build is timed.
 */
async function importLoad(
  server: RunningServer,
  store: { dataDir: string; databaseUrl: string | undefined },
  total: number,
) {
  progress("embedding the vector pool");
  const vectorOf = await syntheticVectors(8192, 11);
  const client = memoryClient(server);
  const rand = random(2);
  const sql = store.databaseUrl ? await openSql(store.dataDir, store.databaseUrl) : null;
  const [index] = sql
    ? ((await sql.run(`select pg_get_indexdef('memories_embedding'::regclass) as def`)) as [{ def: string }])
    : [];
  if (sql) await sql.run(`drop index memories_embedding`);
  const loaded = await run(server, Math.ceil(total / BATCH), 4, async (b) => {
    const memories = Array.from({ length: Math.min(BATCH, total - b * BATCH) }, (_, j) => {
      const i = b * BATCH + j;
      const m = memory(rand, i, total);
      const visibility = m.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE;
      return { memory: { ...m, visibility, id: randomUUID(), embeddingModel: LOCAL_MODEL_ID }, embedding: vectorOf(i) };
    });
    const { vectorsKept } = await client.importMemories({ memories }, auth(adminKey));
    if (vectorsKept !== memories.length) throw new Error(`import kept ${vectorsKept} of ${memories.length} vectors`);
    if (b % 100 === 99) progress(`imported ${(b + 1) * BATCH}/${total}`);
  });
  let indexSeconds = NaN;
  if (sql && index) {
    progress("building the HNSW index");
    const started = performance.now();
    await sql.run(`set maintenance_work_mem = '4GB'`);
    await sql.run(index.def);
    indexSeconds = (performance.now() - started) / 1000;
    await sql.run(`analyze memories`);
    await sql.close();
  }
  return { loaded: { ...loaded, count: total }, indexSeconds };
}

/** Extends an ingest's run until no memory waits for its vector: the rate to ATTACHED. */
async function untilAttached(server: RunningServer, ingested: Run): Promise<Run> {
  const client = memoryClient(server);
  const cpuBefore = cpuMs(server.pid);
  const pgBefore = baseDatabaseUrl ? postgresCpuMs() : 0;
  const started = performance.now();
  while ((await client.getMemoryStats({}, auth(adminKey))).embeddingBacklog > 0n) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const waited = (performance.now() - started) / 1000;
  if (waited > 0.2) progress(`vectors attached ${fixed(waited, 1)} s after the last acknowledgement`);
  return {
    ...ingested,
    seconds: ingested.seconds + waited,
    serverCpuMs: ingested.serverCpuMs + cpuMs(server.pid) - cpuBefore,
    postgresCpuMs: ingested.postgresCpuMs + (baseDatabaseUrl ? postgresCpuMs() - pgBefore : 0),
  };
}

interface SearchRow {
  scope: string;
  mode: string;
  one: Run;
  sixteen: Run;
}

async function searches(server: RunningServer, keys: { scope: string; key: string }[]): Promise<SearchRow[]> {
  const client = memoryClient(server);
  const rows: SearchRow[] = [];
  let seed = 1000;
  for (const { scope, key } of keys) {
    const modes = [
      [SearchMode.KEYWORD, "KEYWORD", false, 10],
      [SearchMode.SEMANTIC, "SEMANTIC", false, 10],
      [SearchMode.HYBRID, "HYBRID", false, 10],
      [SearchMode.HYBRID, "HYBRID top 50", false, DEEP_TOP_K],
      [SearchMode.HYBRID, "HYBRID + rerank", true, 10],
    ] as const;
    for (const [mode, name, rerank, topK] of LOCAL ? modes : modes.slice(0, 1)) {
      const rand = random(seed++);
      if (rerank && RERANK_SEARCHES !== undefined && scope !== "workspace") continue;
      const count = rerank ? (RERANK_SEARCHES ?? SEARCHES) : SEARCHES;
      // Every result is read, as a client would; a search asking for rerank must get it.
      const search = async () => {
        let results = 0;
        let reranked: string | null = null;
        const graphExpansion = values.graph ? GraphExpansion.NEIGHBOURS : GraphExpansion.OFF;
        const request = { query: question(rand), mode, topK, rerank, graphExpansion };
        const onHeader = (header: Headers) => (reranked = header.get("engram-rerank"));
        for await (const result of client.searchMemories(request, { ...auth(key), onHeader })) {
          if (result.memory !== undefined) results += 1;
        }
        if (rerank && reranked !== "applied") throw new Error(`rerank ${reranked}`);
        return results;
      };
      // The reranker loads when first asked for: until then searches keep their order.
      if (rerank) await untilReranking(client, key);
      await run(server, 5, 1, search);
      const one = await run(server, count, 1, search);
      const sixteen = await run(server, count * 2, 16, search);
      rows.push({ scope, mode: name, one, sixteen });
      progress(`searched ${scope} ${name}`);
    }
  }
  return rows;
}

const ms = (n: number) => fixed(n, 1);
const ratio = (n: number) => `${fixed(n, 2)}x`;

/** A 1-in-flight row: latency percentiles and CPU per operation, each beside its floor. */
function againstFloor(name: string, r: Run, floor: Cost): string[] {
  const p50 = percentile(r.latencies, 50);
  return [
    name,
    ms(p50),
    ms(percentile(r.latencies, 95)),
    ms(percentile(r.latencies, 99)),
    ms(perOp(r)),
    ms(floor.ms),
    ratio(p50 / floor.ms),
    ms(floor.cpuMs),
    // A floor under one /proc tick would make the ratio meaningless.
    ratio(perOp(r) / Math.max(floor.cpuMs, 0.01)),
  ];
}

async function main(): Promise<void> {
  if (values["bulk-only"]) return bulkOnly();
  progress(`${engine}, ${MEMORIES} memories`);
  const cpuNote = baseDatabaseUrl ? "server + Postgres CPU" : "server CPU (PGlite in process)";

  // Ingest with no embedder: into a store of its own when the rest runs with vectors.
  const store = REUSE
    ? { dataDir: REUSE, databaseUrl: baseDatabaseUrl, drop: () => Promise.resolve() }
    : await newStore(baseDatabaseUrl, "engram-load-");
  let server: RunningServer;
  let sql: Awaited<ReturnType<typeof openSql>>;
  let ingestNone: Run | null = null;
  let insertRowsPerSecond = NaN;
  if (!IMPORT && !REUSE) {
    const scratch = LOCAL ? await newStore(baseDatabaseUrl, "engram-load-") : store;
    server = await startServer({ ...scratch, embedder: "none", adminKey });
    ingestNone = await ingest(server, MEMORIES, 1);
    await server.stop();
    sql = await openSql(scratch.dataDir, scratch.databaseUrl);
    insertRowsPerSecond = await insertFloor(
      sql,
      Array.from({ length: 100 }, () => note(random(7))),
      20,
    );
    await sql.close();
    if (LOCAL) await scratch.drop();
  }

  // Ingest with the local embedder on the default write budget, as a user would bulk load:
  // the rate counts memories that have their vectors (ATTACHED), not merely acknowledged ones.
  let ingestLocal: Run | null = null;
  let acknowledgedPerSecond = NaN;
  let imported: Awaited<ReturnType<typeof importLoad>> | null = null;
  if (REUSE) {
    progress(`measuring on the kept store in ${REUSE}`);
  } else if (IMPORT) {
    server = await startServer({ ...store, embedder: "local", adminKey });
    imported = await importLoad(server, store, MEMORIES);
    await server.stop();
  } else if (LOCAL) {
    server = await startServer({ ...store, embedder: "local", adminKey });
    const acknowledged = await ingest(server, MEMORIES, 2);
    acknowledgedPerSecond = rate(acknowledged);
    ingestLocal = await untilAttached(server, acknowledged);
    await server.stop();
  }

  // Everything else on the default write budget.
  server = await startServer({ ...store, embedder: LOCAL ? "local" : "none", adminKey });
  const keys = createClient(ApiKeyService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
  const { secret: agentKey } = await keys.createApiKey(
    { apiKey: { displayName: "agent", scopes: ["memory:read", "memory:write"], agentId: AGENTS[3]! } },
    auth(adminKey),
  );
  const client = memoryClient(server);
  const writeRand = random(3);
  const keyedWrite = (i: number, content: string) =>
    client.writeMemory(
      {
        memory: {
          agentId: AGENTS[i % AGENTS.length]!,
          subjectType: "contact",
          subjectId: `keyed-${i % 500}`,
          kind: "preference",
          key: "channel",
          content,
        },
      },
      auth(adminKey),
    );
  const written = new Map<number, string>();
  await run(server, 5, 1, (i) => keyedWrite(100_000 + i, note(writeRand)));
  const keyedOne = await run(server, WRITES, 1, (i) => {
    const content = note(writeRand);
    written.set(i % 500, content);
    return keyedWrite(i, content);
  });
  const keyedSixteen = await run(server, WRITES * 2, 16, (i) => {
    const content = note(writeRand);
    written.set(i % 500, content);
    return keyedWrite(i, content);
  });
  const unchanged = await run(server, WRITES * 4, 16, (i) => {
    const slot = i % Math.min(500, WRITES * 2);
    return keyedWrite(slot, written.get(slot)!);
  });
  progress("keyed writes done");
  const list = await run(server, SEARCHES, 1, (i) =>
    client.listMemories({ filter: { subjectType: "contact", subjectId: `contact-${i % 100}` } }, auth(adminKey)),
  );
  // The knowledge graph's two hot reads (docs/graph.md): a name prefix, and two steps out from a
  // subject, once the writes' tally rows are folded (decision 0029).
  const foldSeconds = await untilTalliesFolded(server);
  progress(`graph tallies folded ${foldSeconds.toFixed(1)} s after the writes`);
  const entities = entityClient(server);
  const entityPrefix = await run(server, SEARCHES, 1, (i) =>
    entities.listEntities({ namePrefix: `contact-${i % 10}`, pageSize: 20 }, auth(adminKey)),
  );
  const entityGraph = await run(server, SEARCHES, 1, (i) =>
    entities.getEntityGraph({ type: "contact", id: `contact-${i % 100}`, depth: 2 }, auth(adminKey)),
  );
  progress("graph reads done");
  const searchRows = await searches(server, [
    { scope: "agent", key: agentKey },
    { scope: "workspace", key: adminKey },
  ]);
  const replicaTable = values.replica
    ? await replicaReads({ primary: server, store, adminKey, agentKey, searches: SEARCHES, progress })
    : null;
  const idleBefore = cpuMs(server.pid);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const idleCpuMs = cpuMs(server.pid) - idleBefore;
  const serverRssMb = rssMb(server.pid);
  await server.stop();

  // The floor, on the same data with the server gone.
  progress("measuring the floor");
  const queryRand = random(99);
  const queries = Array.from({ length: 40 }, () => question(queryRand));
  const embedder = LOCAL
    ? await embedderFloor(
        Array.from({ length: 512 }, () => note(random(5))),
        queries,
      )
    : null;
  const vectorsRand = random(98);
  const vectors = embedder ? await embedder.embed(Array.from({ length: 40 }, () => question(vectorsRand))) : null;
  sql = await openSql(store.dataDir, store.databaseUrl);
  const reranker = LOCAL
    ? await rerankerFloor(
        Array.from({ length: 64 }, () => note(random(6))),
        queries.slice(0, RERANK_SEARCHES ?? queries.length),
      )
    : null;
  const floors: Record<string, { top10: SqlFloor; top50: SqlFloor; deep: SqlFloor; reranked: SqlFloor }> = {};
  for (const [scope, agentId] of [
    ["agent", AGENTS[3]!],
    ["workspace", null],
  ] as const) {
    floors[scope] = {
      top10: await searchFloor(sql, "default", agentId, vectors, queries, 10),
      top50: await searchFloor(sql, "default", agentId, vectors, queries, 50),
      deep: await searchFloor(sql, "default", agentId, vectors, queries, candidatePool("hybrid", DEEP_TOP_K)),
      reranked: await searchFloor(
        sql,
        "default",
        agentId,
        vectors,
        queries,
        candidatePool("hybrid", RERANK_CANDIDATES),
      ),
    };
  }
  const upsert = await upsertFloor(sql, vectors?.[0] ?? null, 40);
  const bulkRows = embedder && BULK_TEXTS > 0 && !REUSE ? await bulkRowsOf(embedder.embed) : [];
  const listSql = await listFloor(sql, "default", 40);
  const insertWithVectorsPerSecond = vectors
    ? await insertFloor(
        sql,
        Array.from({ length: 100 }, () => note(random(8))),
        10,
        vectors,
      )
    : NaN;
  const sizes = await sql.run(
    `select c.relname as name, pg_total_relation_size(c.oid) as bytes from pg_class c
     where c.relname = 'memories' or c.oid in (select indexrelid from pg_index where indrelid = 'memories'::regclass)
     order by bytes desc`,
  );
  const [{ n: rowCount }] = (await sql.run(`select count(*)::int as n from memories`)) as [{ n: number }];
  const [history] = (await sql.run(
    `select count(*)::int as n, pg_total_relation_size('memory_revisions') as bytes from memory_revisions`,
  )) as [{ n: number; bytes: number | string }];
  const [changeLog] = (await sql.run(
    `select count(*)::int as n, pg_total_relation_size('memory_changes') as bytes from memory_changes`,
  )) as [{ n: number; bytes: number | string }];
  await sql.close();
  if (values.keep) progress(`kept the store: ${store.dataDir}${store.databaseUrl ? ` and ${store.databaseUrl}` : ""}`);
  else await store.drop();

  // Report.
  const out: string[] = [];
  const say = (line = "") => out.push(line);
  say(`## ${engine}, ${MEMORIES} memories (${AGENTS.length} agents), ${new Date().toISOString().slice(0, 10)}`);
  say();
  const embedderLine = embedder
    ? `embedder ${fixed(embedder.batchedPerSecond, 0)} texts/s batched, ${ms(embedder.query.ms)} ms ` +
      `(${ms(embedder.query.cpuMs)} ms CPU) per query; `
    : "no embedder; ";
  const vectorsLine = embedder ? `, ${fixed(insertWithVectorsPerSecond, 0)} rows/s with them (HNSW inserts)` : "";
  say(
    `Floor: ${embedderLine}raw 100-row INSERT ${fixed(insertRowsPerSecond, 0)} rows/s without vectors${vectorsLine}. ` +
      `CPU columns: ${cpuNote}, ms per operation.`,
  );
  say();
  const ofFloor = (r: Run, floorPerSecond: number) => [
    fixed(rate(r), 0),
    ms(perOp(r)),
    fixed(floorPerSecond, 0),
    `${fixed((100 * rate(r)) / floorPerSecond, 0)}%`,
  ];
  // New content costs an embedding each; without an embedder, the upsert alone.
  const newContentFloor = embedder ? embedder.batchedPerSecond : 1000 / upsert.ms;
  say(
    table(
      ["writes", "per s", "CPU ms/op", "floor per s", "of floor"],
      [
        ...(ingestNone
          ? [["ingest, no embedder (batches of 100, 4 in flight)", ...ofFloor(ingestNone, insertRowsPerSecond)]]
          : []),
        ...(imported
          ? [
              [
                `import with vectors, HNSW built after (${fixed(imported.indexSeconds, 0)} s)`,
                ...ofFloor(imported.loaded, insertWithVectorsPerSecond),
              ],
            ]
          : []),
        ...(ingestLocal && embedder
          ? [
              [
                `ingest to ATTACHED, local embedder (acknowledged ${fixed(acknowledgedPerSecond, 0)}/s)`,
                ...ofFloor(ingestLocal, embedder.batchedPerSecond),
              ],
            ]
          : []),
        ["keyed write, new content, 16 in flight", ...ofFloor(keyedSixteen, newContentFloor)],
        ["keyed write, unchanged content, 16 in flight", ...ofFloor(unchanged, 1000 / upsert.ms)],
      ],
    ),
  );
  say();
  if (bulkRows.length > 0) {
    say(
      "Bulk ingest: the same texts through the embedder alone and through BatchWriteMemories until ATTACHED (each in a store of its own).",
    );
    say(bulkTable(bulkRows));
    say();
  }
  const queryCost: Cost = embedder?.query ?? { ms: 0, cpuMs: 0 };
  const keyedFloor = queryCost.ms + upsert.ms;
  say(
    table(
      ["1 in flight", "p50 ms", "p95 ms", "p99 ms", "CPU ms/op", "floor ms", "p50/floor", "floor CPU ms", "CPU/floor"],
      [
        againstFloor("keyed write, new content", keyedOne, {
          ms: keyedFloor,
          cpuMs: queryCost.cpuMs + upsert.cpuMs,
        }),
        againstFloor("list, one subject", list, listSql),
      ],
    ),
  );
  say();
  say(
    table(
      ["graph reads, 1 in flight", "p50 ms", "p95 ms", "p99 ms", "CPU ms/op"],
      [
        ["ListEntities, name prefix", entityPrefix],
        ["GetEntityGraph, depth 2", entityGraph],
      ].map(([name, r]) => [
        name as string,
        ms(percentile((r as Run).latencies, 50)),
        ms(percentile((r as Run).latencies, 95)),
        ms(percentile((r as Run).latencies, 99)),
        ms(perOp(r as Run)),
      ]),
    ),
  );
  say(`Graph reads start once the folder has folded the writes' tally rows: ${foldSeconds.toFixed(1)} s after them.`);
  say();
  const searchTable = searchRows.map(({ scope, mode, one, sixteen }) => {
    const { top10, top50, deep, reranked } = floors[scope]!;
    // Results are read 10 at a time (a reranked search reads its candidates' at once).
    const fetches = (floor: SqlFloor, results: number) => Array<Cost>(results / 10).fill(floor.fetch);
    const parts: Cost[] =
      mode === "KEYWORD"
        ? [top10.keyword, top10.fetch]
        : mode === "SEMANTIC"
          ? [queryCost, top10.vector, top10.fetch]
          : mode === "HYBRID"
            ? [queryCost, top50.vector, top50.keyword, top50.fetch]
            : mode === "HYBRID top 50"
              ? [queryCost, deep.vector, deep.keyword, ...fetches(deep, DEEP_TOP_K)]
              : [queryCost, reranked.vector, reranked.keyword, ...fetches(reranked, RERANK_CANDIDATES), reranker!];
    const floor: Cost = {
      ms: parts.reduce((sum, c) => sum + c.ms, 0),
      cpuMs: parts.reduce((sum, c) => sum + c.cpuMs, 0),
    };
    const bound = (CORES * 1000) / perOp(sixteen);
    return [
      ...againstFloor(`${mode} ${scope}`, one, floor),
      fixed(rate(sixteen), 0),
      ms(percentile(sixteen.latencies, 99)),
      `${fixed((100 * rate(sixteen)) / bound, 0)}%`,
    ];
  });
  say(
    table(
      [
        "search (top 10 unless said)",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "CPU ms/op",
        "floor ms",
        "p50/floor",
        "floor CPU ms",
        "CPU/floor",
        "16: per s",
        "16: p99 ms",
        "16: of 2-core bound",
      ],
      searchTable,
    ),
  );
  if (replicaTable !== null) {
    say();
    say(replicaTable);
  }
  say();
  say(`Idle server: ${ms(idleCpuMs)} ms CPU in 10 s with no requests; resident memory ${fixed(serverRssMb, 0)} MB.`);
  say();
  say(
    table(
      ["storage", "bytes", "bytes per memory"],
      sizes.map((s) => [String(s.name), String(s.bytes), fixed(Number(s.bytes) / rowCount, 0)]),
    ),
  );
  say();
  say(
    `History: ${history.n} revisions in memory_revisions (table and index), ${String(history.bytes)} bytes, ` +
      `${fixed(Number(history.bytes) / Math.max(1, history.n), 0)} bytes per revision.`,
  );
  say(
    `Change log: ${changeLog.n} changes in memory_changes (table and indexes), ${String(changeLog.bytes)} bytes, ` +
      `${fixed(Number(changeLog.bytes) / Math.max(1, changeLog.n), 0)} bytes per change.`,
  );
  process.stdout.write(out.join("\n") + "\n");
}

/** The bulk-ingest rows: BULK_TEXTS short texts, and a fifth as many long ones. */
async function bulkRowsOf(embed: (texts: string[]) => Promise<unknown>) {
  return [
    await bulkIngestRow("short (60 chars)", bulkTexts(BULK_TEXTS, 60, 21), embed, baseDatabaseUrl, adminKey, progress),
    await bulkIngestRow(
      "long (1,000 chars)",
      bulkTexts(Math.ceil(BULK_TEXTS / 5), 1000, 22),
      embed,
      baseDatabaseUrl,
      adminKey,
      progress,
    ),
  ];
}

/** The bulk-ingest rows alone, for measuring ingest work without the rest of the run. */
async function bulkOnly(): Promise<void> {
  const embedder = await embedderFloor([note(random(5))], [question(random(99))]);
  const rows = await bulkRowsOf(embedder.embed);
  process.stdout.write(`## ${engine}, bulk ingest, ${new Date().toISOString().slice(0, 10)}\n\n${bulkTable(rows)}\n`);
}

await main();
