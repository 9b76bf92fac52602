/**
 * The floor under each operation of bench/load.ts, measured on the same engine and data once
 * the server has stopped: the embedder alone, and the raw SQL the operation needs, with no
 * server, ORM or protocol around it.
 */
import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { vectorLiteral } from "../src/db/vector-literal.js";
import { LocalEmbedder } from "../src/embedding/local.js";
import { LocalReranker } from "../src/rerank/local-reranker.js";
import { RERANK_CANDIDATES, RERANK_MAX_TOKENS } from "../src/rerank/rerank.js";
import { openPgliteHere } from "../src/db/pglite.js";
import { B, DF_CAP, K1, planKeywordSearch } from "../src/memory/search/bm25.js";
import { keywordTiers, lexemeQuery } from "../src/memory/search/keyword-tiers.js";
import { postgresCpuMs } from "./load-server.js";

export interface Cost {
  /** Median wall time, ms. */
  ms: number;
  /** Mean CPU time of this process (where PGlite runs) and of any native Postgres, ms. */
  cpuMs: number;
}

/** CPU spent by a native Postgres on this machine, counted into floors when the bench runs on one. */
const databaseCpuMs = process.env.DATABASE_URL ? postgresCpuMs : () => 0;

/** Runs `op` `reps` times after two warm-ups: median wall time and mean CPU time. */
export async function measure(reps: number, op: (i: number) => Promise<unknown>): Promise<Cost> {
  await op(-1);
  await op(-2);
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  const databaseBefore = databaseCpuMs();
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    await op(i);
    samples.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const database = databaseCpuMs() - databaseBefore;
  samples.sort((a, b) => a - b);
  return {
    ms: samples[Math.floor(samples.length / 2)]!,
    cpuMs: ((cpu.user + cpu.system) / 1000 + database) / reps,
  };
}

export interface EmbedderFloor {
  /** Texts per second, embedded 64 at a time. */
  batchedPerSecond: number;
  query: Cost;
  /** The model measured, for vectors the SQL floors need. */
  embed(texts: string[]): Promise<number[][]>;
}

export async function embedderFloor(texts: string[], queries: string[]): Promise<EmbedderFloor> {
  const embedder = new LocalEmbedder({
    model: "Xenova/all-MiniLM-L6-v2",
    modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
    dtype: "q8",
  });
  await embedder.ready();
  const started = performance.now();
  for (let i = 0; i < texts.length; i += 64) await embedder.embed(texts.slice(i, i + 64));
  const batchedPerSecond = texts.length / ((performance.now() - started) / 1000);
  // A query in the lane the server embeds queries in (one thread: decision 0036).
  const query = await measure(queries.length, (i) => embedder.embed([queries[Math.max(0, i)]!], "query"));
  return { batchedPerSecond, query, embed: (texts) => embedder.embed(texts) };
}

/** The reranker alone: one query scored against RERANK_CANDIDATES memories, as a search with rerank does. */
export async function rerankerFloor(passages: string[], queries: string[]): Promise<Cost> {
  const reranker = new LocalReranker({
    model: "cross-encoder/ms-marco-MiniLM-L-12-v2",
    modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
    dtype: "q8",
    maxLength: RERANK_MAX_TOKENS,
  });
  try {
    await reranker.ready();
    return await measure(queries.length, (i) =>
      reranker.score(queries[Math.max(0, i)]!, passages.slice(0, RERANK_CANDIDATES)),
    );
  } finally {
    await reranker.close();
  }
}

/** Raw SQL against either engine. */
export interface Sql {
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openSql(dataDir: string, databaseUrl: string | undefined): Promise<Sql> {
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return {
      run: async (text, params) => (await client.query(text, params)).rows as Record<string, unknown>[],
      close: () => client.end(),
    };
  }
  const db: PGlite = await openPgliteHere(dataDir);
  return {
    run: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows,
    close: () => db.close(),
  };
}

const NOT_MEASURED: Cost = { ms: NaN, cpuMs: NaN };

export interface SqlFloor {
  vector: Cost;
  keyword: Cost;
  fetch: Cost;
}

/**
 * What one search needs from the database: the vector and full-text top `pool` (the server
 * asks each retriever for 50 in HYBRID mode, and for the top k alone otherwise), and 10 rows.
 */
export async function searchFloor(
  sql: Sql,
  workspaceId: string,
  agentId: string | null,
  vectors: number[][] | null,
  queries: string[],
  pool: number,
): Promise<SqlFloor> {
  const visible = agentId === null ? "true" : "(agent_id = $2 or agent_id is null or visibility = 'shared')";
  const params = (first: unknown) => (agentId === null ? [workspaceId, first] : [workspaceId, agentId, first]);
  const last = agentId === null ? "$2" : "$3";
  const at = (list: unknown[], i: number) => list[Math.max(0, i) % list.length];
  // The index scan reads as deep as the server's (retrieval.repository.ts): at pgvector's default
  // ef_search of 40 a deeper pool would come back short, and cheap.
  await sql.run(`set hnsw.ef_search = ${Math.max(40, pool)}`);
  await sql.run(`set hnsw.iterative_scan = strict_order`);
  const vector =
    vectors === null
      ? NOT_MEASURED
      : await measure(vectors.length, (i) =>
          sql.run(
            `select id from memories where workspace_id = $1 and ${visible} and delete_time is null
       order by embedding <=> ${last}::vector limit ${pool}`,
            params(vectorLiteral(at(vectors, i) as number[])),
          ),
        );
  await sql.run(`reset hnsw.ef_search`);
  await sql.run(`reset hnsw.iterative_scan`);
  // The statements a keyword search runs (BM25, src/memory/search/bm25.ts): its lexemes; how many
  // visible memories hold each (up to DF_CAP); the tiers over its common words until one fills
  // the pool; then the BM25 ranking of the candidates.
  const where = `workspace_id = $1 and ${visible} and delete_time is null`;
  const p = (n: number) => `$${n + (agentId === null ? 1 : 2)}`;
  await sql.run(`set enable_seqscan = off`);
  await sql.run(`set enable_indexscan = off`);
  const keyword = await measure(queries.length, async (i) => {
    const [parsed] = await sql.run(`select tsvector_to_array(to_tsvector('english', $1)) as lexemes`, [at(queries, i)]);
    const lexemes = (parsed?.lexemes as string[] | undefined) ?? [];
    if (lexemes.length === 0) return;
    const counts = await sql.run(
      `select w.lexeme, (select count(*) from (select 1 from memories
           where ${where} and search @@ w.query::tsquery limit ${DF_CAP}) matching)::int as df
       from unnest(${p(1)}::text[], ${p(2)}::text[]) as w(lexeme, query)`,
      [...params(lexemes), lexemes.map(lexemeQuery)],
    );
    const plan = planKeywordSearch(counts.map((r) => ({ lexeme: r.lexeme as string, df: r.df as number })));
    if (plan.terms.length === 0) return;
    let tierIds: string[] = [];
    for (const tier of keywordTiers(plan.common.map(lexemeQuery))?.tiers ?? []) {
      tierIds = (
        await sql.run(`select id from memories where ${where} and search @@ ${p(1)}::tsquery limit ${2 * pool}`, [
          ...params(tier),
        ])
      ).map((r) => r.id as string);
      if (tierIds.length >= pool) break;
    }
    const rare = plan.rare.length > 0 ? plan.rare.map(lexemeQuery).join(" | ") : null;
    const matched = plan.terms
      .map((t, k) => `case when search @@ (${p(3)}::text[])[${k + 1}]::tsquery then ${t.idf} else 0 end`)
      .join(" + ");
    await sql.run(
      `with candidates as (select id, ${matched} as matched, length(search)::float8 as dl from memories
           where ${where} and ((${p(1)}::text is not null and search @@ ${p(1)}::tsquery) or id = any(${p(2)}::uuid[])))
       select id, matched * ${K1 + 1} / (1 + ${K1} * (${1 - B} + ${B} * dl / avg(dl) over ())) as score
       from candidates order by score desc, id limit ${pool}`,
      [...params(rare), tierIds, plan.terms.map((t) => lexemeQuery(t.lexeme))],
    );
  });
  await sql.run(`reset enable_seqscan`);
  await sql.run(`reset enable_indexscan`);
  const ids = (await sql.run(`select id from memories where workspace_id = $1 limit 200`, [workspaceId])).map(
    (r) => r.id,
  );
  const fetch = await measure(queries.length, (i) =>
    sql.run(`select * from memories where workspace_id = $1 and id = any($2::uuid[])`, [
      workspaceId,
      ids.slice((Math.max(0, i) * 10) % 190, ((Math.max(0, i) * 10) % 190) + 10),
    ]),
  );
  return { vector, keyword, fetch };
}

const INSERT_COLUMNS = `workspace_id, id, agent_id, subject_type, subject_id, kind, key, content, content_fingerprint,
  embedding, embedding_model, embedding_status, create_time, update_time`;

/** One keyed upsert with its vector (if any), the statement a keyed write needs. */
export function upsertFloor(sql: Sql, vector: number[] | null, reps: number): Promise<Cost> {
  return measure(reps, (i) =>
    sql.run(
      `insert into memories (${INSERT_COLUMNS})
       values ('floor', gen_random_uuid(), 'agent-0', 'contact', $1, 'preference', 'channel', $2, md5($2),
         $3::vector, 'floor', case when $3 is null then 'pending' else 'attached' end, now(), now())
       on conflict (workspace_id, agent_id, subject_type, subject_id, kind, key) where key is not null
       do update set content = excluded.content, content_fingerprint = excluded.content_fingerprint,
         embedding = excluded.embedding, update_time = excluded.update_time, revision = memories.revision + 1`,
      [`contact-${Math.abs(i) % 50}`, `prefers channel ${i}`, vector === null ? null : vectorLiteral(vector)],
    ),
  );
}

/**
 * One 100-row INSERT, the statement an ingest batch needs: without vectors (no embedder), or
 * with them (each row then also enters the HNSW graph). Rows per second.
 */
export async function insertFloor(sql: Sql, contents: string[], reps: number, vectors?: number[][]): Promise<number> {
  const cost = await measure(reps, (i) => {
    const rows = contents.slice(0, 100);
    const values = rows.map((_, j) => {
      const embedding = vectors
        ? `'${vectorLiteral(vectors[j % vectors.length]!)}'::vector, 'floor', 'attached'`
        : `null, null, 'pending'`;
      return `('floor', gen_random_uuid(), 'agent-${j % 10}', 'contact', 'contact-${j}', 'note', null, $${j + 1},
          md5($${j + 1}), ${embedding}, now(), now())`;
    });
    return sql.run(
      `insert into memories (${INSERT_COLUMNS}) values ${values.join(", ")}`,
      rows.map((c) => `${c} ${i}`),
    );
  });
  await sql.run(`delete from memories where workspace_id = 'floor'`);
  return 100 / (cost.ms / 1000);
}

/** One page of a subject's memories, newest first: what ListMemories needs. */
export function listFloor(sql: Sql, workspaceId: string, reps: number): Promise<Cost> {
  return measure(reps, (i) =>
    sql.run(
      `select * from memories where workspace_id = $1 and subject_type = 'contact' and subject_id = $2
         and delete_time is null order by create_time desc, id desc limit 50`,
      [workspaceId, `contact-${Math.abs(i) % 100}`],
    ),
  );
}
