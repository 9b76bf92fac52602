/**
 * Engram under memory and model pressure (issue 47): long memories written in batches, a plain
 * search while their vectors are computed, then a burst of reranked searches with GetMemory
 * alongside. Prints the server's peak and idle resident memory (/proc/<pid>/status) and each p95
 * beside its idle value, measured on the same server before the load. The server runs as its own
 * process with the local embedder and reranker (ENGRAM_MODEL_DIR, .models by default), on PGlite
 * or on the Postgres named by DATABASE_URL. Asserts nothing.
 *
 *   npm run bench:pressure [-- --long 150 --longer 20 --burst 32]
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { SearchMode } from "../gen/ts/engram/v1/memory_service_pb.js";
import { auth, memoryClient, untilReranking } from "./load-client.js";
import { note, question, random } from "./load-data.js";
import { newStore, startServer, type RunningServer } from "./load-server.js";
import { fixed, percentile, table } from "./report.js";

const { values } = parseArgs({
  options: {
    /** Memories of 8,000 characters. */
    long: { type: "string", default: "150" },
    /** Memories of 50,000 characters. */
    longer: { type: "string", default: "20" },
    /** Reranked searches at once. */
    burst: { type: "string", default: "32" },
  },
});
const BATCH = 10;
/** Calls measured one at a time on the idle server, for each idle p95. */
const IDLE_CALLS = 40;
const adminKey = `bench-${randomBytes(16).toString("hex")}`;
const progress = (line: string) => process.stderr.write(`[bench:pressure] ${line}\n`);
const mb = (kb: number) => fixed(kb / 1024, 0);
const ms = (n: number) => fixed(n, 1);

/** A field of /proc/<pid>/status in kB: VmRSS (resident now) or VmHWM (the peak so far). */
function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : NaN;
}

/** Sentences of the load's notes, one after another, up to `length` characters. */
function longText(rand: () => number, length: number): string {
  const parts: string[] = [];
  let total = 0;
  while (total < length) {
    const sentence = note(rand);
    parts.push(sentence);
    total += sentence.length + 1;
  }
  return parts.join(" ").slice(0, length);
}

/** A memory of the benchmark's one agent about its own subject. */
const memoryOf = (subjectId: string, content: string) => ({
  memory: { agentId: "agent-0", subjectType: "contact", subjectId, kind: "note", content },
});

async function timed(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await op();
  return performance.now() - started;
}

/** Runs `op` one call after another until `done()`, and returns each call's latency. */
async function whileRunning(done: () => boolean, op: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  while (!done()) latencies.push(await timed(op));
  return latencies;
}

async function main(): Promise<void> {
  const store = await newStore(process.env.DATABASE_URL || undefined, "engram-pressure-");
  const server: RunningServer = await startServer({ ...store, embedder: "local", adminKey });
  const client = memoryClient(server);
  const admin = auth(adminKey);
  const rand = random(47);
  const backlog = async () => (await client.getMemoryStats({}, admin)).embeddingBacklog;

  // A few short memories, so that the idle calls read and rank something.
  const { results } = await client.batchWriteMemories(
    { requests: Array.from({ length: 20 }, (_, i) => memoryOf(`short-${i}`, note(rand))) },
    admin,
  );
  const someId = results.flatMap((r) =>
    r.result.case === "response" && r.result.value.memory ? [r.result.value.memory.id] : [],
  )[0];
  if (someId === undefined) throw new Error("the short memories were not written");
  while ((await backlog()) > 0n) await new Promise((r) => setTimeout(r, 100));
  await untilReranking(client, adminKey);

  // Each query is new, so that each search embeds its own (a repeated one is cached).
  let queries = 0;
  const nextQuery = () => `${question(rand)} (${++queries})`;
  const plainSearch = async () => {
    for await (const hit of client.searchMemories({ query: nextQuery(), topK: 1 }, admin)) void hit;
  };
  const getMemory = () => client.getMemory({ id: someId }, admin);
  /** A default search (top 10, HYBRID), with or without rerank; returns the engram-rerank header. */
  const search = async (rerank: boolean) => {
    let outcome: string | null = null;
    const request = { query: nextQuery(), mode: SearchMode.HYBRID, topK: 10, rerank };
    const onHeader = (h: Headers) => (outcome = h.get("engram-rerank"));
    for await (const hit of client.searchMemories(request, { ...admin, onHeader })) void hit;
    return outcome;
  };

  progress("idle latencies");
  const idleSearch: number[] = [];
  const idleGet: number[] = [];
  for (let i = 0; i < IDLE_CALLS; i++) {
    idleSearch.push(await timed(plainSearch));
    idleGet.push(await timed(getMemory));
  }
  const idleBeforeKb = statusKb(server.pid, "VmRSS");
  let peakKb = idleBeforeKb;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, statusKb(server.pid, "VmRSS"))), 100);

  const long = Number(values.long);
  const longer = Number(values.longer);
  progress(`writing ${long} memories of 8,000 characters and ${longer} of 50,000, ${BATCH} a batch`);
  const lengths = [...Array<number>(long).fill(8_000), ...Array<number>(longer).fill(50_000)];
  // Searches run from the first write until every vector is attached: writes wait for their
  // vectors while the embedder progresses, so the backlog starts with the first batch.
  let embedded = false;
  let writing = true;
  const whileWriting: number[] = [];
  const backlogSearch = whileRunning(
    () => embedded,
    async () => {
      const during = writing;
      const took = await timed(plainSearch);
      if (during) whileWriting.push(took);
    },
  );
  const writeStarted = performance.now();
  for (let b = 0; b < lengths.length; b += BATCH) {
    const requests = lengths.slice(b, b + BATCH).map((length, j) => memoryOf(`long-${b + j}`, longText(rand, length)));
    const written = await client.batchWriteMemories({ requests }, admin);
    if (written.results.some((r) => r.result.case !== "response")) throw new Error("a long memory was not written");
  }
  writing = false;
  progress(`written in ${fixed((performance.now() - writeStarted) / 1000, 1)} s`);
  while ((await backlog()) > 0n) await new Promise((r) => setTimeout(r, 250));
  embedded = true;
  const duringBacklog = await backlogSearch;
  const backlogSeconds = (performance.now() - writeStarted) / 1000;
  progress(`vectors attached ${fixed(backlogSeconds, 1)} s after the first write`);

  // The same search without rerank, idle, over every memory: what a shed search should cost.
  const idleUnranked: number[] = [];
  for (let i = 0; i < IDLE_CALLS; i++) idleUnranked.push(await timed(() => search(false)));

  const burst = Number(values.burst);
  // The same burst without rerank: what a shed search should cost when as many arrive at once.
  progress(`${burst} searches at once without rerank`);
  const unrankedBurst = await Promise.all(Array.from({ length: burst }, () => timed(() => search(false))));
  progress(`${burst} reranked searches at once, GetMemory alongside`);
  let burstOver = false;
  const gets = whileRunning(() => burstOver, getMemory);
  const searched = await Promise.all(
    Array.from({ length: burst }, async () => {
      const started = performance.now();
      const outcome = await search(true);
      return { outcome, ms: performance.now() - started };
    }),
  );
  burstOver = true;
  const duringBurst = await gets;
  const applied = searched.filter((s) => s.outcome === "applied").map((s) => s.ms);
  const shed = searched.filter((s) => s.outcome !== "applied").map((s) => s.ms);

  clearInterval(sampler);
  progress("idle for 15 s");
  await new Promise((r) => setTimeout(r, 15_000));
  const idleAfterKb = statusKb(server.pid, "VmRSS");
  const hwmKb = statusKb(server.pid, "VmHWM");
  peakKb = Math.max(peakKb, idleAfterKb);
  await server.stop();
  await store.drop();

  const p95 = (l: number[]) => percentile(l, 95);
  const row = (name: string, load: number[], idle: number[]) => [
    name,
    load.length,
    ms(p95(load)),
    ms(Math.max(...load)),
    ms(p95(idle)),
    `${fixed(p95(load) / p95(idle), 1)}x`,
  ];
  const engine = process.env.DATABASE_URL ? "Postgres" : "PGlite";
  process.stdout.write(`\n${engine}, local embedder and reranker, ${long} x 8,000 + ${longer} x 50,000 characters\n\n`);
  const memoryRows = [
    ["idle before the load", mb(idleBeforeKb)],
    ["peak (sampled every 100 ms)", mb(peakKb)],
    ["peak (VmHWM)", mb(hwmKb)],
    ["idle after the load (15 s)", mb(idleAfterKb)],
  ];
  process.stdout.write(`${table(["resident memory", "MB"], memoryRows)}\n\n`);
  const latencyRows = [
    row("search top_k 1 during the backlog", duringBacklog, idleSearch),
    row("  of which while writing", whileWriting, idleSearch),
    row("  of which after the writes", duringBacklog.slice(whileWriting.length), idleSearch),
    row("GetMemory during the burst", duringBurst, idleGet),
    row("reranked search shed as busy", shed, idleUnranked),
    row("  the same burst without rerank", unrankedBurst, idleUnranked),
    row("reranked search reranked", applied, idleUnranked),
  ];
  process.stdout.write(`${table(["call", "calls", "p95 ms", "max ms", "idle p95 ms", "p95 / idle"], latencyRows)}\n\n`);
  process.stdout.write(
    `backlog ${fixed(backlogSeconds, 1)} s; ${burst} reranked searches at once, ${applied.length} reranked. ` +
      "Idle values: measured before the load; for the burst's searches, the same search without rerank after it.\n",
  );
}

await main();
