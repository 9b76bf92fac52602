/**
 * Retrieval benchmark on LoCoMo observations (protocol: ../shared/bench/locomo/README.md).
 *
 * Starts Engram in-process (PGlite in a temporary directory, or the Postgres of DATABASE_URL)
 * with the real all-MiniLM-L6-v2 int8 model and the ms-marco-MiniLM-L-12-v2 reranker, loads each
 * conversation's observations into a workspace of its own through BatchWriteMemories, then asks
 * every question through SearchMemories in KEYWORD, SEMANTIC and HYBRID mode, each without and
 * with rerank, and prints recall@k, latency and CPU per search, the cross-validated choices
 * of the fusion and rerank settings, the evaluation API's figures, and what `engram tune` would
 * choose (retrieval-tune.ts). It measures; it asserts nothing about the numbers.
 *
 *   npm run bench:retrieval
 *   npm run bench:retrieval -- --smoke   (CI: the shipped settings only, no sweeps; tune over three weights)
 *   ... --tune-rerank   (tune also tries the reranker's settings: six more reranked runs of every question)
 *   ... --record <file>   (writes the questions' lists as bench/replay.test.ts reads them; see replay-fixture.ts)
 *   npm run bench:retrieval -- --graph   (graph-aware search: HYBRID at top 10 and 20 without and with
 *       graph expansion, by category, and its weights cross-validated (graph-tuning.ts); nothing else)
 *
 * The replay checks (fusion and rerank replayed offline from the recorded lists must give what
 * the server measured) fail the run: exit status 1.
 *
 * Environment: LOCOMO_DIR (default ../shared/bench/locomo from the project root), LOCOMO_CONVERSATIONS
 * (only the first N conversations, at least 2: CI's short run), LOCOMO_QUESTIONS
 * (only the first N questions of each), ENGRAM_MODEL_DIR (default .models),
 * DATABASE_URL (Postgres instead of PGlite), ENGRAM_LOG_LEVEL (default error), ENGRAM_EMBEDDING_MODEL
 * and ENGRAM_RERANKER (another embedder or cross-encoder, read from ENGRAM_MODEL_DIR).
 */
import { randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import cliProgress from "cli-progress";
import { pino } from "pino";
import { EmbeddingStatus, type Memory } from "../gen/ts/engram/v1/memory_pb.js";
import { GraphExpansion, MemoryService, SearchMode, WriteOutcome } from "../gen/ts/engram/v1/memory_service_pb.js";
import { SearchService } from "../gen/ts/engram/v1/search_service_pb.js";
import { startEngram, type Engram } from "../src/app.js";
import { ApiKeys } from "../src/auth/api-keys.js";
import { DEFAULT_CONFIG, type Config } from "../src/config.js";
import { LocalEmbedder } from "../src/embedding/local.js";
import { candidatePool } from "../src/memory/search/search.js";
import { ENTITY_WEIGHT, GRAPH_WEIGHTS, SEMANTIC_WEIGHT } from "../src/memory/search/ranking.js";
import { LocalReranker } from "../src/rerank/local-reranker.js";
import { passageOf, RERANK_MAX_TOKENS } from "../src/rerank/rerank.js";
import { RememberedScores } from "./remembered-scores.js";
import { crossValidate, replayRecalls, type ListEntry, type QuestionLists } from "./fusion-tuning.js";
import { crossValidateGraph, type GraphLists } from "./graph-tuning.js";
import {
  blendForms,
  candidateSweep,
  crossValidateRerank,
  RERANK_COUNTS,
  rerankRecalls,
  SHIPPED_RERANK,
  type RerankLists,
} from "./rerank-tuning.js";
import { loadLocomo, type Conversation, type Question } from "./locomo.js";
import { encodeFixture } from "./replay-fixture.js";
import { agreesWithSearches, evaluateThroughApi, evaluationTable } from "./retrieval-evaluation.js";
import { tuneReport } from "./retrieval-tune.js";
import { fixed, percentile, table } from "./report.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const LOCOMO_DIR = resolve(ROOT, process.env.LOCOMO_DIR ?? "../shared/bench/locomo");
/** Cross-validation tunes on some conversations and tests on the others: two at the least. */
const CONVERSATIONS = conversationLimit(process.env.LOCOMO_CONVERSATIONS);
const QUESTIONS = Number(process.env.LOCOMO_QUESTIONS || Infinity);
const MODEL = process.env.ENGRAM_EMBEDDING_MODEL ?? "Xenova/all-MiniLM-L6-v2";
const MODEL_DIR = resolve(ROOT, process.env.ENGRAM_MODEL_DIR ?? ".models");
const RERANKER = process.env.ENGRAM_RERANKER ?? DEFAULT_CONFIG.reranker;
/** The server's own log on stderr; errors only by default (the bootstrap admin-key notice is noise here). */
const LOG_LEVEL = (process.env.ENGRAM_LOG_LEVEL ?? "error") as Config["logLevel"];
const KS = [5, 10, 20, 50] as const;
const TOP_K = Math.max(...KS);
/** The default top_k, at which rerank's cost is reported. */
const DEFAULT_TOP_K = 10;
const BATCH_SIZE = 100;
const WARMUP_QUERIES = 5;
const ATTACH_TIMEOUT_MS = 10 * 60_000;
/** The top_k whose candidate pool (100) the fusion replay reads in full: its exact check. */
const REPLAY_TOP_K = 20;
/** The shipped settings only: what CI runs, for its replay checks. */
const SMOKE = process.argv.slice(2).includes("--smoke");
/** Graph-aware search's comparison only (decision 0026). */
const GRAPH = process.argv.slice(2).includes("--graph");
/** --tune-rerank: tune's candidates include the reranker's settings (six more reranked runs of every question). */
const TUNE_RERANK = process.argv.slice(2).includes("--tune-rerank");
/** Where --record writes the replay fixture, if asked. */
const RECORD = process.argv.includes("--record") ? process.argv[process.argv.indexOf("--record") + 1] : undefined;
/**
 * Every mode without (and, unless smoke, with) rerank at top 50, then HYBRID at the default
 * top 10, both ways, and at top 20 for the fusion replay's check.
 */
const RUNS: Run[] = GRAPH
  ? [DEFAULT_TOP_K, REPLAY_TOP_K].flatMap((topK) =>
      [false, true].map((graph) => ({ mode: SearchMode.HYBRID, rerank: false, topK, graph })),
    )
  : [
      ...[SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID].flatMap((mode) => [
        { mode, rerank: false, topK: TOP_K, graph: false },
        ...(SMOKE ? [] : [{ mode, rerank: true, topK: TOP_K, graph: false }]),
      ]),
      { mode: SearchMode.HYBRID, rerank: false, topK: DEFAULT_TOP_K, graph: false },
      { mode: SearchMode.HYBRID, rerank: true, topK: DEFAULT_TOP_K, graph: false },
      { mode: SearchMode.HYBRID, rerank: false, topK: REPLAY_TOP_K, graph: false },
    ];
/** The candidate counts the rerank lists are scored at: every one the tuning tries, or the shipped one. */
const SCORED_COUNTS = SMOKE ? [SHIPPED_RERANK.candidates] : RERANK_COUNTS;

interface Run {
  mode: SearchMode;
  rerank: boolean;
  topK: number;
  /** Graph expansion on (decision 0026). */
  graph: boolean;
}

const runName = (r: Run) =>
  `${SearchMode[r.mode]}${r.rerank ? " + rerank" : ""}${r.graph ? " + graph" : ""}` +
  (r.topK === TOP_K ? "" : ` (top ${r.topK})`);

type MemoryClient = Client<typeof MemoryService>;

/** How deep each retriever's own ranking is read for the fusion replay (the API's top_k limit). */
const LIST_DEPTH = 100;

/** A conversation loaded into its own workspace, with a client whose key belongs to it. */
interface Loaded {
  conversation: Conversation;
  client: MemoryClient;
  search: Client<typeof SearchService>;
}

interface ModeResult {
  name: string;
  run: Run;
  /** Process CPU (server, model threads and the client) per search. */
  cpuMs: number;
  /** Per question, the 1-based rank of the first result citing an evidence turn (Infinity: none in the top k). */
  firstHit: number[];
  categories: number[];
  latenciesMs: number[];
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const conversations = (await loadLocomo(LOCOMO_DIR))
    .slice(0, CONVERSATIONS)
    .map((c) => ({ ...c, questions: c.questions.slice(0, QUESTIONS) }));
  const engine = process.env.DATABASE_URL ? "Postgres (DATABASE_URL)" : "PGlite (embedded, temporary directory)";
  log(`data ${LOCOMO_DIR}: ${conversations.length} conversations`);
  log(`engine ${engine}; model ${MODEL} q8 from ${MODEL_DIR}`);

  if (RERANKER === "none") throw new Error("ENGRAM_RERANKER=none: the benchmark measures rerank, name a cross-encoder");
  const dataDir = await mkdtemp(join(tmpdir(), "engram-bench-"));
  const reranker = new LocalReranker({
    model: RERANKER,
    modelDir: MODEL_DIR,
    dtype: "q8",
    maxLength: RERANK_MAX_TOKENS,
  });
  const scores = new RememberedScores(reranker);
  const engram = await startEngram(benchConfig(dataDir), pino({ level: LOG_LEVEL }, pino.destination(2)), {
    embedder: new LocalEmbedder({ model: MODEL, modelDir: MODEL_DIR, dtype: "q8" }),
    awaitEmbedder: true,
    reranker: scores.reranker,
    awaitReranker: true,
  });
  const runId = randomUUID().slice(0, 8);
  try {
    if (engram.embeddings.model === null) throw new Error(`the embedding model did not load from ${MODEL_DIR}`);
    const modelId = engram.embeddings.model;

    const loadStarted = performance.now();
    const loaded: Loaded[] = [];
    for (const conversation of conversations) {
      loaded.push(await loadConversation(engram, conversation, `locomo-${conversation.id}-${runId}`));
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const memoryCount = conversations.reduce((n, c) => n + c.observations.length, 0);
    log(`loaded ${memoryCount} memories, all ATTACHED, in ${loadSeconds.toFixed(1)} s`);

    const results: ModeResult[] = [];
    for (const run of RUNS) results.push(await runMode(loaded, run));
    if (GRAPH) {
      printGraphReport(results, await collectGraphLists(loaded), engine, loadSeconds);
      return;
    }
    const lists = await collectRetrieverLists(loaded);
    const rerankLists = await collectRerankLists(loaded, scores);

    const questions = conversations.flatMap((c) => c.questions);
    const ceiling = fraction(conversations.flatMap((c) => c.questions.map((q) => answerable(c, q))));
    const totalSeconds = (performance.now() - started) / 1000;
    const replaysHold = printReport({
      results,
      lists,
      rerankLists,
      questions,
      ceiling,
      memoryCount,
      workspaces: loaded.length,
      engine,
      modelId,
      loadSeconds,
      totalSeconds,
    });
    const evaluationHolds = await printEvaluation(loaded, results);
    const tuned = loaded.map((l) => ({ search: l.search, questions: l.conversation.questions }));
    process.stdout.write(`\n${await tuneReport(tuned, { smoke: SMOKE, rerank: TUNE_RERANK })}`);
    if (!replaysHold || !evaluationHolds) process.exitCode = 1;
    if (RECORD !== undefined) await record(RECORD, results, lists, rerankLists.lists);
  } finally {
    try {
      if (process.env.DATABASE_URL) await dropWorkspaces(engram, runId);
    } finally {
      await engram.close();
      await reranker.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

function conversationLimit(value: string | undefined): number {
  if (value === undefined || value === "") return Infinity;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 2)
    throw new Error(`LOCOMO_CONVERSATIONS must be a whole number of 2 or more`);
  return limit;
}

function benchConfig(dataDir: string): Config {
  return {
    ...DEFAULT_CONFIG,
    host: "127.0.0.1",
    port: 0,
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir,
    rateLimit: 0,
    logLevel: LOG_LEVEL,
    // A generous write budget: a batch of 100 embeds in well under a minute, so writes commit ATTACHED.
    embedding: { ...DEFAULT_CONFIG.embedding, provider: "local", model: MODEL, modelDir: MODEL_DIR, budgetMs: 60_000 },
  };
}

/** One workspace per conversation, its own key, observations written 100 per BatchWriteMemories. */
async function loadConversation(engram: Engram, conversation: Conversation, workspaceId: string): Promise<Loaded> {
  const { secret } = await new ApiKeys(engram.db.em).create({
    workspaceId,
    displayName: "retrieval benchmark",
    scopes: ["memory:read", "memory:write"],
    agentId: null,
  });
  const client = memoryClient(`http://127.0.0.1:${engram.port}`, secret);
  const bar = progressBar(`load ${conversation.id}`, conversation.observations.length);
  for (let i = 0; i < conversation.observations.length; i += BATCH_SIZE) {
    const batch = conversation.observations.slice(i, i + BATCH_SIZE);
    const { results } = await client.batchWriteMemories({
      requests: batch.map((o, j) => ({
        memory: {
          subjectType: "person",
          subjectId: o.speaker,
          kind: "observation",
          // A key per observation: every observation stays a memory of its own. Without one, the
          // write guard would merge the few it takes for near duplicates (bench/guard.ts).
          key: `observation-${i + j}`,
          content: o.fact,
          metadata: { conversation: conversation.id, dia_ids: o.diaIds },
        },
      })),
    });
    results.forEach((r, j) => {
      if (r.result.case !== "response" || r.result.value.outcome !== WriteOutcome.CREATED) {
        const what = r.result.case === "error" ? r.result.value.message : `outcome ${r.result.value?.outcome}`;
        throw new Error(`${conversation.id}: observation ${i + j} was not created as a new memory: ${what}`);
      }
    });
    bar.increment(batch.length);
  }
  bar.stop();
  await waitUntilAttached(client, conversation);
  return { conversation, client, search: searchClient(`http://127.0.0.1:${engram.port}`, secret) };
}

/** Polls ListMemories until every memory of the workspace has its vector (the worker attaches PENDING ones). */
async function waitUntilAttached(client: MemoryClient, conversation: Conversation): Promise<void> {
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;
  for (;;) {
    const statuses = new Map<EmbeddingStatus, number>();
    let pageToken = "";
    do {
      const page = await client.listMemories({ pageSize: 500, pageToken });
      for (const m of page.memories) statuses.set(m.embeddingStatus, (statuses.get(m.embeddingStatus) ?? 0) + 1);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const attached = statuses.get(EmbeddingStatus.ATTACHED) ?? 0;
    if (total !== conversation.observations.length) {
      throw new Error(`${conversation.id}: ${total} memories listed, ${conversation.observations.length} written`);
    }
    if ((statuses.get(EmbeddingStatus.FAILED) ?? 0) > 0) throw new Error(`${conversation.id}: embeddings FAILED`);
    if (attached === total) return;
    if (Date.now() > deadline) throw new Error(`${conversation.id}: ${total - attached} memories still PENDING`);
    log(`${conversation.id}: waiting for ${total - attached} PENDING memories`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Asks every question once, one at a time (so latencies are not queueing), in one mode. */
async function runMode(loaded: Loaded[], run: Run): Promise<ModeResult> {
  const name = runName(run);
  const result: ModeResult = { name, run, cpuMs: 0, firstHit: [], categories: [], latenciesMs: [] };
  const warmup = loaded[0]!;
  for (const q of warmup.conversation.questions.slice(0, WARMUP_QUERIES)) await search(warmup.client, q, run);
  const bar = progressBar(
    `search ${name}`,
    loaded.reduce((n, l) => n + l.conversation.questions.length, 0),
  );
  const cpu = process.cpuUsage();
  for (const { client, conversation } of loaded) {
    for (const question of conversation.questions) {
      const started = performance.now();
      const hits = await search(client, question, run);
      result.latenciesMs.push(performance.now() - started);
      const first = hits.findIndex((memory) => cites(memory, question));
      result.firstHit.push(first === -1 ? Infinity : first + 1);
      result.categories.push(question.category);
      bar.increment();
    }
  }
  const used = process.cpuUsage(cpu);
  result.cpuMs = (used.user + used.system) / 1000 / result.latenciesMs.length;
  bar.stop();
  return result;
}

/**
 * Each retriever's own ranking of every question, deep enough for fusion to be replayed offline,
 * and HYBRID's at the same depth for the scores each retriever gives the other's candidates.
 */
async function collectRetrieverLists(loaded: Loaded[]): Promise<QuestionLists[]> {
  const out: QuestionLists[] = [];
  const bar = progressBar(
    "retriever lists",
    loaded.reduce((n, l) => n + l.conversation.questions.length, 0),
  );
  for (const { client, conversation } of loaded) {
    for (const question of conversation.questions) {
      const [semantic, keyword] = [
        await retrieverList(client, question, SearchMode.SEMANTIC),
        await retrieverList(client, question, SearchMode.KEYWORD),
      ];
      const other = new Map<string, { semantic: number; keyword: number }>();
      for await (const r of client.searchMemories({
        query: question.question,
        topK: LIST_DEPTH,
        mode: SearchMode.HYBRID,
      })) {
        other.set(r.memory!.id, { semantic: r.semanticScore, keyword: r.keywordScore });
      }
      out.push({
        question: question.question,
        conversation: conversation.id,
        category: question.category,
        semantic,
        keyword,
        other,
      });
      bar.increment();
    }
  }
  bar.stop();
  return out;
}

async function retrieverList(client: MemoryClient, question: Question, mode: SearchMode): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  for await (const r of client.searchMemories({ query: question.question, topK: LIST_DEPTH, mode })) {
    const memory = r.memory!;
    const names = [memory.subjectId, memory.title, ...memory.linkedEntities.map((e) => e.id)].filter((n) => n !== "");
    entries.push({ id: memory.id, score: r.score, hit: cites(memory, question), names });
  }
  return entries;
}

/**
 * Each question's HYBRID results, 50 deep, with the reranker's scores of the first N for each
 * candidate count N, scored as a search reranking N does (rerank-tuning.ts replays every
 * candidate count and weight on them).
 */
async function collectRerankLists(loaded: Loaded[], scores: RememberedScores): Promise<RerankTuning> {
  const out: RerankLists[] = [];
  const serverPairs = scores.pairs;
  const bar = progressBar(
    "rerank lists",
    loaded.reduce((n, l) => n + l.conversation.questions.length, 0),
  );
  for (const { client, conversation } of loaded) {
    for (const question of conversation.questions) {
      const results = [];
      for await (const r of client.searchMemories({ query: question.question, topK: TOP_K, mode: SearchMode.HYBRID })) {
        results.push(r);
      }
      const passages = results.map((r) => passageOf(r.memory!));
      const rerank = new Map<number, number[]>();
      for (const candidates of SCORED_COUNTS) {
        rerank.set(candidates, await scores.score(question.question, passages.slice(0, candidates)));
      }
      out.push({
        conversation: conversation.id,
        category: question.category,
        fused: results.map((r) => ({ id: r.memory!.id, score: r.score, hit: cites(r.memory!, question) })),
        rerank,
      });
      bar.increment();
    }
  }
  bar.stop();
  log(
    `rerank lists: ${scores.pairs - serverPairs} pairs scored beyond the ${serverPairs} the server's searches scored`,
  );
  return { lists: out, msPerPair: scores.msPerPair };
}

interface RerankTuning {
  lists: RerankLists[];
  /** The reranker's wall time per query-memory pair, over every call (the server's searches' too). */
  msPerPair: number;
}

/** The results in rank order; fails if the server answered in another mode or did not rerank as asked. */
async function search(client: MemoryClient, question: Question, run: Run): Promise<Memory[]> {
  const memories: Memory[] = [];
  let rerank: string | null = null;
  const request = {
    query: question.question,
    topK: run.topK,
    mode: run.mode,
    rerank: run.rerank,
    graphExpansion: run.graph ? GraphExpansion.NEIGHBOURS : GraphExpansion.OFF,
  };
  for await (const r of client.searchMemories(request, { onHeader: (h) => (rerank = h.get("engram-rerank")) })) {
    if (r.mode !== run.mode)
      throw new Error(`asked for ${SearchMode[run.mode]}, the server searched ${SearchMode[r.mode]}`);
    memories.push(r.memory!);
  }
  if (run.rerank && rerank !== "applied") throw new Error(`asked for rerank, the server answered ${rerank}`);
  return memories;
}

/** Whether a memory cites one of the question's evidence turns. */
function cites(memory: Memory, question: Question): boolean {
  const ids = memory.metadata?.dia_ids;
  return Array.isArray(ids) && ids.some((id) => typeof id === "string" && question.evidence.includes(id));
}

/** Whether any evidence turn of the question has an observation at all (else no k can hit it). */
function answerable(conversation: Conversation, question: Question): boolean {
  return conversation.observations.some((o) => o.diaIds.some((id) => question.evidence.includes(id)));
}

function fraction(flags: boolean[]): number {
  return flags.filter(Boolean).length / flags.length;
}

function recallAt(result: ModeResult, k: number, category?: number): number {
  return fraction(
    result.firstHit.filter((_, i) => category === undefined || result.categories[i] === category).map((r) => r <= k),
  );
}

function printReport(r: {
  results: ModeResult[];
  lists: QuestionLists[];
  rerankLists: RerankTuning;
  questions: Question[];
  ceiling: number;
  memoryCount: number;
  workspaces: number;
  engine: string;
  modelId: string;
  loadSeconds: number;
  totalSeconds: number;
}): boolean {
  const out: string[] = [];
  out.push("LoCoMo retrieval benchmark (observations as memories; protocol in ../shared/bench/locomo/README.md)");
  out.push(`engine:      ${r.engine}`);
  out.push(`model:       ${r.modelId}; reranker local:${RERANKER}:q8`);
  out.push(
    `machine:     ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? "unknown"}), node ${process.version}`,
  );
  out.push(`memories:    ${r.memoryCount} in ${r.workspaces} workspaces (one per conversation)`);
  out.push(`questions:   ${r.questions.length} (categories 1-4 with evidence)`);
  out.push(`ceiling:     ${fixed(r.ceiling)} (questions with at least one evidence turn that has an observation)`);
  out.push("");
  out.push("CPU: the process's (server, model threads and this client) per search, one search at a time.");
  out.push(
    table(
      ["mode", ...KS.map((k) => `recall@${k}`), "p50 ms", "p95 ms", "CPU ms"],
      r.results.map((m) => [
        m.name,
        ...KS.map((k) => (k <= m.run.topK ? fixed(recallAt(m, k)) : "-")),
        fixed(percentile(m.latenciesMs, 50), 1),
        fixed(percentile(m.latenciesMs, 95), 1),
        fixed(m.cpuMs, 1),
      ]),
    ),
  );
  const find = (name: string) => r.results.find((m) => m.name === name)!;
  const [keyword, hybrid] = [find("KEYWORD"), find("HYBRID")];
  const reranked = find(`HYBRID + rerank (top ${DEFAULT_TOP_K})`);
  const [kw, hy] = [recallAt(keyword, 10), recallAt(hybrid, 10)];
  const delta = hy - kw;
  out.push("");
  out.push(
    `HYBRID vs KEYWORD recall@10: ${fixed(hy)} vs ${fixed(kw)}: ${delta >= 0 ? "+" : ""}${fixed(delta)} absolute, ` +
      `${delta >= 0 ? "+" : ""}${((delta / kw) * 100).toFixed(1)}% relative` +
      (delta > 0 ? "" : "  (HYBRID does NOT beat KEYWORD)"),
  );
  out.push(
    `HYBRID + rerank vs HYBRID recall@10: ${fixed(recallAt(reranked, 10))} vs ${fixed(hy)} ` +
      `(target 0.76: ${recallAt(reranked, 10) >= 0.76 ? "reached" : "NOT reached"})`,
  );
  out.push("");
  out.push("recall@10 by question category (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop):");
  const categories = [1, 2, 3, 4];
  out.push(
    table(
      ["mode", ...categories.map((c) => `cat ${c} (n=${r.questions.filter((q) => q.category === c).length})`)],
      r.results.map((m) => [m.name, ...categories.map((c) => fixed(recallAt(m, 10, c)))]),
    ),
  );
  out.push("");
  const shipped = {
    semanticWeight: SEMANTIC_WEIGHT,
    entityWeight: ENTITY_WEIGHT,
    pool: candidatePool("hybrid", REPLAY_TOP_K),
  };
  if (!SMOKE) out.push(crossValidate(r.lists, shipped).text);
  // Checked where the server's pool is the retriever lists' full depth: a shallower pool fills
  // its keyword candidates from fewer tiers than a 100-deep KEYWORD list did.
  const fusion = replayCheck(
    "the shipped fusion",
    replayRecalls(r.lists, shipped),
    [5, 10, 20].map((k) => recallAt(find(`HYBRID (top ${REPLAY_TOP_K})`), k)),
    `HYBRID (top ${REPLAY_TOP_K})`,
  );
  out.push(fusion.line, "");
  if (!SMOKE) out.push(candidateSweep(r.rerankLists.lists, r.rerankLists.msPerPair), "");
  if (!SMOKE) out.push(crossValidateRerank(r.rerankLists.lists));
  const rerank = replayCheck(
    "the shipped rerank",
    rerankRecalls(r.rerankLists.lists, SHIPPED_RERANK).slice(0, 2),
    [5, 10].map((k) => recallAt(reranked, k)),
    `HYBRID + rerank (top ${DEFAULT_TOP_K})`,
  );
  out.push(rerank.line, "");
  if (!SMOKE) out.push(blendForms(r.rerankLists.lists), "");
  out.push(`load (embed + write): ${r.loadSeconds.toFixed(1)} s; total runtime: ${r.totalSeconds.toFixed(1)} s`);
  process.stdout.write(out.join("\n") + "\n");
  return fusion.holds && rerank.holds;
}

/**
 * The questions through EvaluateSearch at the default top 10 (each mode both ways; HYBRID only
 * in smoke), and whether its first ranks agree with the HYBRID top-10 runs' own searches.
 */
async function printEvaluation(loaded: Loaded[], results: ModeResult[]): Promise<boolean> {
  const modes = SMOKE ? [SearchMode.HYBRID] : [SearchMode.KEYWORD, SearchMode.SEMANTIC, SearchMode.HYBRID];
  const configurations = modes.flatMap((mode) =>
    [false, true].map((rerank) => ({ name: `${SearchMode[mode]}${rerank ? " + rerank" : ""}`, mode, rerank })),
  );
  const bar = progressBar("evaluate (API)", 1);
  const evaluated = await evaluateThroughApi(
    loaded.map((l) => ({ search: l.search, questions: l.conversation.questions })),
    configurations,
    DEFAULT_TOP_K,
  );
  bar.stop();
  const out = ["EvaluateSearch (the evaluation API; hit@10 is recall@10 above, turns@10 the evidence turns found):"];
  out.push(evaluationTable(evaluated, DEFAULT_TOP_K));
  let holds = true;
  for (const e of evaluated.filter((x) => x.mode === SearchMode.HYBRID)) {
    const run = results.find((m) => m.name === `${e.name} (top ${DEFAULT_TOP_K})`);
    const agrees = run !== undefined && agreesWithSearches(e, run.firstHit, DEFAULT_TOP_K);
    holds &&= agrees;
    out.push(`evaluation check, ${e.name}: ${agrees ? "the API's first ranks equal the searches'" : "MISMATCH"}`);
  }
  process.stdout.write(out.join("\n") + "\n");
  return holds;
}

/** Each question's HYBRID answer with graph expansion, TOP_K deep, as graph-tuning.ts replays it. */
async function collectGraphLists(loaded: Loaded[]): Promise<GraphLists[]> {
  const out: GraphLists[] = [];
  const bar = progressBar(
    "graph lists",
    loaded.reduce((n, l) => n + l.conversation.questions.length, 0),
  );
  for (const { client, conversation } of loaded) {
    for (const question of conversation.questions) {
      const request = {
        query: question.question,
        topK: TOP_K,
        mode: SearchMode.HYBRID,
        graphExpansion: GraphExpansion.NEIGHBOURS,
      };
      const entries = [];
      for await (const r of client.searchMemories(request)) {
        const memory = r.memory!;
        entries.push({
          id: memory.id,
          semantic: r.semanticScore,
          keyword: r.keywordScore,
          names: [memory.subjectId, memory.title, ...memory.linkedEntities.map((e) => e.id)].filter((n) => n !== ""),
          link: r.graphLink,
          hit: cites(memory, question),
        });
      }
      out.push({ question: question.question, conversation: conversation.id, category: question.category, entries });
      bar.increment();
    }
  }
  bar.stop();
  return out;
}

/** Recall at 5, 10 and 20 and by category, without and with graph expansion, and the weights' cross-validation. */
function printGraphReport(results: ModeResult[], lists: GraphLists[], engine: string, loadSeconds: number): void {
  const categories = [1, 2, 3, 4];
  const out = [
    "LoCoMo, graph-aware search (decision 0026)",
    `engine: ${engine}; ${lists.length} questions; weights ${JSON.stringify(GRAPH_WEIGHTS)}`,
    "",
    table(
      [
        "run",
        "recall@5",
        "@10",
        "@20",
        ...categories.map((c) => `@10 cat ${c}`),
        ...categories.map((c) => `@20 cat ${c}`),
        "p50 ms",
        "CPU ms",
      ],
      results.map((m) => [
        m.name,
        ...[5, 10, 20].map((k) => (k <= m.run.topK ? fixed(recallAt(m, k)) : "-")),
        ...categories.map((c) => fixed(recallAt(m, 10, c))),
        ...categories.map((c) => (m.run.topK >= 20 ? fixed(recallAt(m, 20, c)) : "-")),
        fixed(percentile(m.latenciesMs, 50), 1),
        fixed(m.cpuMs, 1),
      ]),
    ),
    "",
    crossValidateGraph(lists, GRAPH_WEIGHTS),
    "",
    `load (embed + write): ${loadSeconds.toFixed(1)} s`,
  ];
  process.stdout.write(out.join("\n") + "\n");
}

/** Writes the replay fixture: every question's lists, and where the server put its first hit. */
async function record(file: string, results: ModeResult[], lists: QuestionLists[], rerankLists: RerankLists[]) {
  const firstHits = (run: Run) => results.find((m) => m.name === runName(run))!.firstHit;
  const hybrid = firstHits({ mode: SearchMode.HYBRID, rerank: false, topK: REPLAY_TOP_K, graph: false });
  const reranked = firstHits({ mode: SearchMode.HYBRID, rerank: true, topK: DEFAULT_TOP_K, graph: false });
  const fusion = {
    semanticWeight: SEMANTIC_WEIGHT,
    entityWeight: ENTITY_WEIGHT,
    pool: candidatePool("hybrid", REPLAY_TOP_K),
  };
  const recorded = lists.map((l, i) => ({
    lists: l,
    rerankLists: rerankLists[i]!,
    server: { hybridTop20: hybrid[i]!, rerankTop10: reranked[i]! },
  }));
  await writeFile(file, `${JSON.stringify(encodeFixture(fusion, SHIPPED_RERANK, recorded))}\n`);
  log(`recorded ${recorded.length} questions' lists in ${file}`);
}

/** Whether an offline replay reproduces what the server measured (it must, up to rounding). */
function replayCheck(what: string, replayed: number[], measured: number[], run: string) {
  const holds = replayed.every((x, i) => fixed(x) === fixed(measured[i]!));
  const line =
    `replay check: ${what} replayed offline gives ${replayed.map((x) => fixed(x)).join(" / ")}, ` +
    `the server's ${run} ${measured.map((x) => fixed(x)).join(" / ")}` +
    (holds ? " (identical)" : "  (DIFFERENT)");
  return { line, holds };
}

function memoryClient(baseUrl: string, secret: string): MemoryClient {
  return createClient(MemoryService, bearerTransport(baseUrl, secret));
}

/**
 * Evaluations come after minutes of offline replays that hold this process's event loop (the
 * server's too): a kept-alive connection would be sent its request just as the server's late idle
 * timer closes it (ECONNRESET). Each evaluation call opens its own; it lasts minutes anyway.
 */
function searchClient(baseUrl: string, secret: string): Client<typeof SearchService> {
  return createClient(SearchService, bearerTransport(baseUrl, secret, new Agent({ keepAlive: false })));
}

function bearerTransport(baseUrl: string, secret: string, agent?: Agent) {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${secret}`);
    return next(req);
  };
  return createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    interceptors: [bearer],
    ...(agent === undefined ? {} : { nodeOptions: { agent } }),
  });
}

/** A progress bar on stderr when it is a terminal; one line when the phase starts otherwise (CI logs). */
function progressBar(label: string, total: number): { increment(n?: number): void; stop(): void } {
  if (!process.stderr.isTTY) {
    log(`${label}: ${total}`);
    return { increment() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(18)} {bar} {value}/{total} {duration}s`, stream: process.stderr, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}

/** Postgres outlives the run: remove this run's workspaces (memories and keys) so reruns start clean. */
async function dropWorkspaces(engram: Engram, runId: string): Promise<void> {
  const em = engram.db.em.fork();
  const pattern = `locomo-%-${runId}`;
  await em.execute("delete from memories where workspace_id like ?", [pattern]);
  await em.execute("delete from api_keys where workspace_id like ?", [pattern]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
