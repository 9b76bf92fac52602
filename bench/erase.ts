/**
 * EraseMemories through a server process (issue 50): the time to erase 1,000 and then 10,000
 * memories selected by a tag, among background memories it must leave alone, and what the
 * searches and writes agents keep making meanwhile see, each beside the same traffic on the
 * idle server just before. On PGlite (the default) or on the Postgres named by DATABASE_URL.
 *
 * Replay checks fail the run (exit 1): every search and write must succeed, the dry run and the
 * receipt must count exactly what was written (memories, revisions, changes, recorded write
 * responses, mentions, the named entity), and afterwards the store must hold nothing of the
 * erased memories but their tombstones, and all of the background.
 *
 *   npm run bench:erase [-- --erase 1000,10000 --background 9000 --embedder local|none]
 *   npm run bench:erase -- --smoke   (100 and 300 among 100: well under a minute)
 *   ... --update-every 10   (every 10th memory of a set is written twice)  --floor-seconds 10
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ApiKeyService } from "../gen/ts/engram/v1/api_key_service_pb.js";
import { SearchMode } from "../gen/ts/engram/v1/memory_service_pb.js";
import { auth, entityClient, memoryClient } from "./load-client.js";
import { AGENTS } from "./load-data.js";
import { newStore, startServer } from "./load-server.js";
import { storeFailures } from "./erase/checks.js";
import { load } from "./erase/data.js";
import { erasePhase, type Phase } from "./erase/phase.js";
import { databaseCpu } from "./erase/postgres-cpu.js";
import { report } from "./erase/report.js";
import { idleTraffic } from "./erase/traffic.js";

const { values } = parseArgs({
  options: {
    /** The sizes erased, one after another, each a tag of its own. */
    erase: { type: "string" },
    /** Memories without those tags (about the same contacts), which no erasure may touch. */
    background: { type: "string" },
    "update-every": { type: "string", default: "10" },
    "floor-seconds": { type: "string" },
    /** The traffic's window after each receipt, long enough for PGlite's deferred scrub. */
    "after-seconds": { type: "string" },
    /** none: no vectors, KEYWORD searches, a quicker load. */
    embedder: { type: "string", default: "local" },
    smoke: { type: "boolean", default: false },
  },
});
const SMOKE = values.smoke;
const SIZES = (values.erase ?? (SMOKE ? "100,300" : "1000,10000")).split(",").map(Number);
const BACKGROUND = Number(values.background ?? (SMOKE ? "100" : "9000"));
const FLOOR_SECONDS = Number(values["floor-seconds"] ?? (SMOKE ? "3" : "10"));
const AFTER_SECONDS = Number(values["after-seconds"] ?? (SMOKE ? "12" : "30"));
const LOCAL = values.embedder !== "none";
const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
const engine = baseDatabaseUrl ? "Postgres" : "PGlite";
const adminKey = `bench-${randomBytes(16).toString("hex")}`;
const progress = (line: string) => process.stderr.write(`[bench:erase] ${line}\n`);

async function main(): Promise<number> {
  const memories = BACKGROUND + SIZES.reduce((a, b) => a + b, 0);
  progress(`${engine}, ${memories} memories, erasing ${SIZES.join(" then ")}`);
  const store = await newStore(baseDatabaseUrl, "engram-erase-");
  const database = await databaseCpu(store.databaseUrl);
  const server = await startServer({ ...store, embedder: LOCAL ? "local" : "none", adminKey });
  const phases: Phase[] = [];
  const failures: string[] = [];
  try {
    const client = memoryClient(server);
    const keys = createClient(ApiKeyService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    const { secret: agentKey } = await keys.createApiKey(
      { apiKey: { displayName: "agent", scopes: ["memory:read", "memory:write"], agentId: AGENTS[3]! } },
      auth(adminKey),
    );
    const loadStarted = performance.now();
    const loaded = await load(client, entityClient(server), adminKey, {
      sizes: SIZES,
      background: BACKGROUND,
      updateEvery: Number(values["update-every"]),
      progress,
    });
    // Erasing measures best on a settled store: every vector attached (without an embedder,
    // every memory stays PENDING).
    while (LOCAL && (await client.getMemoryStats({}, auth(adminKey))).embeddingBacklog > 0n) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    progress(`loaded in ${loadSeconds.toFixed(0)} s`);
    const mode = LOCAL ? SearchMode.HYBRID : SearchMode.KEYWORD;
    const ctx = {
      ...{ server, client, adminKey, agentKey, mode, database },
      ...{ floorSeconds: FLOOR_SECONDS, afterSeconds: AFTER_SECONDS },
    };
    await idleTraffic(server, { agentKey, adminKey, mode, seed: 1 }, 2); // warm-up, not counted
    for (const [i, set] of loaded.sets.entries()) {
      progress(`erasing ${set.size}`);
      const phase = await erasePhase(ctx, set, 100 * (i + 1));
      phases.push(phase);
      failures.push(...phase.failures);
      progress(`erased ${set.size} in ${phase.erasure.seconds.toFixed(1)} s`);
    }
    await server.stop();
    failures.push(...(await storeFailures(store, loaded)));
    const info = {
      engine,
      date: new Date().toISOString().slice(0, 10),
      memories,
      background: BACKGROUND,
      updates: loaded.updates,
      mode: LOCAL ? "HYBRID" : "KEYWORD",
      embedder: LOCAL ? "local" : "none",
      databaseCpu: database.scope,
      loadSeconds,
      floorSeconds: FLOOR_SECONDS,
      afterSeconds: AFTER_SECONDS,
    };
    process.stdout.write(report(info, phases, failures));
  } finally {
    await server.stop();
    await store.drop();
  }
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
