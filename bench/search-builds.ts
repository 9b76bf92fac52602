/**
 * Builds of the search compared in one process, question by question: each build's
 * MemorySearch over the same store, the same questions with their vectors computed once (the
 * embedder is left out), every build searching each question in turn, the order rotating each
 * round. On a shared machine `bench:load`'s runs drift by more than a millisecond between runs of
 * the same build; searches interleaved in one process see the same machine. Prints the CPU and
 * wall time per HYBRID search, and the wall time of each retrieval repository call; asserts
 * nothing. With --rerank, each build searches with rerank and its own cross-encoder (loaded
 * from ENGRAM_MODEL_DIR), so the reranker's code is compared too. With --graph, with graph
 * expansion (decision 0026).
 *
 *   npm run bench:load -- --memories 10000 --keep    (prints the kept store's directory, and URL)
 *   git worktree add ../before <commit> && ln -s "$PWD/node_modules" ../before/node_modules
 *   [DATABASE_URL=<kept database>] npm run bench:search-builds -- --store <its directory> . ../before
 *   ... --rounds 5 --top-k 10,50
 *
 * Each build is a checkout whose src/ is loaded as it stands (tsx compiles it); the store is
 * opened, and migrated, by this checkout.
 */
import { DEFAULT_SEARCH_SETTINGS } from "../src/memory/search/search-request.js";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../src/auth/principal.js";
import { openDatabase } from "../src/db/orm.js";
import { query, sql } from "../src/db/sql.js";
import type { Embeddings } from "../src/embedding/embeddings.js";
import { LocalEmbedder } from "../src/embedding/local.js";
import { toFilterQuery } from "../src/memory/filter-query.js";
import type { MemoryRepositories } from "../src/memory/repositories.js";
import type { MemorySearch, MemorySearchDeps } from "../src/memory/search/search.js";
import type { LocalReranker, LocalRerankerOptions } from "../src/rerank/local-reranker.js";
import { RERANK_MAX_TOKENS } from "../src/rerank/rerank.js";
import { SCHEMA } from "../src/schema.js";
import { AGENTS, question, random } from "./load-data.js";
import { fixed, table } from "./report.js";
import { successorNamesOf } from "../src/memory/successors.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    /** The directory `bench:load --keep` printed (with DATABASE_URL, Postgres's kept database). */
    store: { type: "string" },
    rounds: { type: "string", default: "5" },
    "top-k": { type: "string", default: "10" },
    rerank: { type: "boolean", default: false },
    /** Graph expansion on (builds from before it ignore it). */
    graph: { type: "boolean", default: false },
  },
});
if (!values.store) throw new Error("--store <directory kept by bench:load --keep> is required");
const ROUNDS = Number(values.rounds);
const TOP_KS = values["top-k"].split(",").map(Number);
const RERANK = values.rerank;
const BUILDS = positionals.length > 0 ? positionals : ["."];
const QUESTIONS = 40;
const WARMUP = 5;
const WORKSPACE = "default";
const SCOPES: [string, Viewer][] = [
  ["agent", { workspaceId: WORKSPACE, agentId: AGENTS[3]!, admin: false }],
  ["workspace", { workspaceId: WORKSPACE, agentId: null, admin: true }],
];

interface SearchModule {
  MemorySearch: new (deps: MemorySearchDeps) => MemorySearch;
}
interface RepositoriesModule {
  memoryRepositories: MemoryRepositories;
}
interface RerankerModule {
  LocalReranker: new (options: LocalRerankerOptions) => LocalReranker;
}

/** Wall ms and calls of each retrieval repository method, per build. */
type CallTimes = Map<string, { ms: number; calls: number }>;

/** The retrieval repository with every method call timed into `times`. */
function timed<T extends object>(repository: T, times: CallTimes): T {
  return new Proxy(repository, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || typeof name !== "string") return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        const started = performance.now();
        try {
          return await method.apply(target, args);
        } finally {
          const entry = times.get(name) ?? { ms: 0, calls: 0 };
          entry.ms += performance.now() - started;
          entry.calls += 1;
          times.set(name, entry);
        }
      };
    },
  });
}

/** What builds before 2026-11-26's rerank events take instead of onRerank (this build ignores it). */
const BEFORE_RERANK_EVENTS = { onRerankFailure: () => undefined };

const db = await openDatabase({ schema: SCHEMA, dataDir: values.store, databaseUrl: process.env.DATABASE_URL });
const MODEL_DIR = process.env.ENGRAM_MODEL_DIR ?? ".models";
const embedder = new LocalEmbedder({ model: "Xenova/all-MiniLM-L6-v2", modelDir: MODEL_DIR, dtype: "q8" });
const rerankers: LocalReranker[] = [];
try {
  const [stored] = await query<{ model: string }>(
    db.em.fork(),
    sql`select embedding_model as model from memories where embedding_model is not null limit 1`,
  );
  if (stored === undefined) throw new Error(`no memory in ${values.store} has a vector`);
  await embedder.ready();
  const rand = random(99);
  const questions = Array.from({ length: QUESTIONS }, () => question(rand));
  const vectors = new Map((await embedder.embed(questions)).map((v, i) => [questions[i]!, v]));
  const embeddings = {
    embedQuery: (text: string) => Promise.resolve({ vector: vectors.get(text)!, model: stored.model }),
  } as unknown as Embeddings;

  const builds = await Promise.all(
    BUILDS.map(async (dir) => {
      const root = resolve(dir);
      const { MemorySearch } = (await import(`${root}/src/memory/search/search.ts`)) as SearchModule;
      const { memoryRepositories } = (await import(`${root}/src/memory/repositories.ts`)) as RepositoriesModule;
      const times: CallTimes = new Map();
      const reranker = RERANK ? await rerankerOf(root) : null;
      const search = new MemorySearch({
        ...memoryRepositories,
        retrieval: (em: EntityManager) => timed(memoryRepositories.retrieval(em), times),
        em: db.em,
        embeddings,
        reranker,
        onRerank: () => undefined,
        // Builds before successors.ts ignore it.
        successors: successorNamesOf(db.em),
        ...BEFORE_RERANK_EVENTS,
        now: () => new Date(),
      });
      return { dir, search, times };
    }),
  );

  const rows: (string | number)[][] = [];
  for (const [scope, viewer] of SCOPES) {
    for (const topK of TOP_KS) {
      const once = async (search: MemorySearch, text: string) => {
        const q = {
          text,
          filter: toFilterQuery(undefined),
          topK,
          mode: "hybrid" as const,
          minScore: 0,
          rerank: RERANK,
          graph: values.graph,
          tuning: DEFAULT_SEARCH_SETTINGS,
        };
        for await (const hit of (await search.search(viewer, q)).hits) void hit;
      };
      for (const { search } of builds) for (const text of questions.slice(0, WARMUP)) await once(search, text);
      const spent = builds.map(() => ({ wall: 0, cpu: 0 }));
      for (let round = 0; round < ROUNDS; round++) {
        for (const text of questions) {
          for (let k = 0; k < builds.length; k++) {
            const b = (k + round) % builds.length;
            const cpu = process.cpuUsage();
            const started = performance.now();
            await once(builds[b]!.search, text);
            const used = process.cpuUsage(cpu);
            spent[b]!.wall += performance.now() - started;
            spent[b]!.cpu += (used.user + used.system) / 1000;
          }
        }
      }
      const searches = ROUNDS * questions.length;
      builds.forEach(({ dir }, b) =>
        rows.push([
          `${scope} top ${topK}`,
          dir,
          fixed(spent[b]!.cpu / searches, 2),
          fixed(spent[b]!.wall / searches, 2),
        ]),
      );
    }
  }
  const engine = process.env.DATABASE_URL ? "Postgres" : "PGlite";
  console.log(
    `## HYBRID${RERANK ? " + rerank" : ""} searches by build, ${engine}, ${ROUNDS} rounds of ${QUESTIONS} questions\n`,
  );
  console.log(table(["search", "build", "CPU ms", "wall ms"], rows));
  console.log(`\nRetrieval repository calls (wall ms per call, both scopes and every top_k):\n`);
  console.log(
    table(
      ["build", "method", "calls", "ms per call"],
      builds.flatMap(({ dir, times }) =>
        [...times].map(([method, { ms, calls }]) => [dir, method, calls, fixed(ms / calls, 2)]),
      ),
    ),
  );
} finally {
  await embedder.close();
  for (const reranker of rerankers) await reranker.close();
  await db.close();
}

/** The build's own cross-encoder, loaded (its code is part of what is compared). */
async function rerankerOf(root: string): Promise<LocalReranker> {
  const { LocalReranker } = (await import(`${root}/src/rerank/local-reranker.ts`)) as RerankerModule;
  const reranker = new LocalReranker({
    model: "cross-encoder/ms-marco-MiniLM-L-12-v2",
    modelDir: MODEL_DIR,
    dtype: "q8",
    maxLength: RERANK_MAX_TOKENS,
  });
  rerankers.push(reranker);
  await reranker.ready();
  return reranker;
}
