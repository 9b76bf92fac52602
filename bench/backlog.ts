/**
 * How fast servers' embedding workers drain a backlog of memories that wait for vectors (what a
 * re-embed, an import without vectors or an embedder outage leaves), against the embedder alone
 * on the same texts. The memories are written with no embedder, then servers with the local one
 * drain them; the backlog is read from their engram_embedding_backlog gauge. On PGlite (one
 * server) or on the Postgres that DATABASE_URL names (any number). Prints a table; asserts nothing.
 *
 *   npm run bench:backlog [-- --memories 5000 --servers 1]
 *   DATABASE_URL=... npm run bench:backlog -- --servers 2   (two servers claim side by side)
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Visibility } from "../gen/ts/engram/v1/memory_pb.js";
import { auth, memoryClient } from "./load-client.js";
import { memory, random } from "./load-data.js";
import { embedderFloor } from "./load-floor.js";
import { cpuMs, newStore, postgresCpuMs, startServer, type RunningServer } from "./load-server.js";
import { fixed, table } from "./report.js";

const { values } = parseArgs({
  options: {
    memories: { type: "string", default: "5000" },
    servers: { type: "string", default: "1" },
  },
});
const MEMORIES = Number(values.memories);
const SERVERS = Number(values.servers);
const BATCH = 100;
const IN_FLIGHT = 4;
/** The texts the embedder alone is timed on: the backlog's first ones. */
const FLOOR_TEXTS = 1000;
const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
const adminKey = `engram_admin_${randomBytes(16).toString("hex")}`;
const progress = (message: string) => console.error(`[bench:backlog] ${message}`);

if (!Number.isInteger(MEMORIES) || MEMORIES < 1) throw new Error("--memories must be a positive integer");
if (!Number.isInteger(SERVERS) || SERVERS < 1) throw new Error("--servers must be a positive integer");
if (SERVERS > 1 && baseDatabaseUrl === undefined)
  throw new Error("--servers above 1 needs DATABASE_URL (PGlite has one)");

/** The backlog as a server's gauge reads it (counted at most a second before). */
async function backlog(server: RunningServer): Promise<number> {
  const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const value = Number(/^engram_embedding_backlog (\S+)$/m.exec(metrics)?.[1]);
  if (!Number.isFinite(value)) throw new Error("the server reported no engram_embedding_backlog");
  return value;
}

/** Writes the load's memories with no embedder: every one waits for its vector. */
async function writeBacklog(server: RunningServer): Promise<string[]> {
  const client = memoryClient(server);
  const rand = random(1);
  const all = Array.from({ length: MEMORIES }, (_, i) => memory(rand, i, MEMORIES));
  const batches = Math.ceil(MEMORIES / BATCH);
  let next = 0;
  const writer = async () => {
    for (let b = next++; b < batches; b = next++) {
      const requests = all.slice(b * BATCH, (b + 1) * BATCH).map((m) => ({
        memory: { ...m, visibility: m.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE },
      }));
      const { results } = await client.batchWriteMemories({ requests }, auth(adminKey));
      const failed = results.find((r) => r.result.case === "error");
      if (failed) throw new Error(`write: ${JSON.stringify(failed.result.value)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, writer));
  return all.map((m) => m.content);
}

const store = await newStore(baseDatabaseUrl, "engram-backlog-");
const servers: RunningServer[] = [];
try {
  progress(`writing ${MEMORIES} memories with no embedder`);
  const writer = await startServer({ ...store, embedder: "none", adminKey });
  const texts = await writeBacklog(writer);
  await writer.stop();

  // Each server drains from the moment its model is up; the clock starts once all are.
  progress(`starting ${SERVERS} server(s) with the local embedder`);
  for (let i = 0; i < SERVERS; i++) servers.push(await startServer({ ...store, embedder: "local", adminKey }));
  const [first] = servers;
  if (first === undefined) throw new Error("no server");
  const startBacklog = await backlog(first);
  const cpu0 = servers.reduce((sum, s) => sum + cpuMs(s.pid), 0);
  const pg0 = baseDatabaseUrl ? postgresCpuMs() : 0;
  const started = performance.now();
  for (let left = startBacklog; left > 0; left = await backlog(first)) {
    if (performance.now() - started > 3_600_000) throw new Error(`${left} memories still waiting after an hour`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = servers.reduce((sum, s) => sum + cpuMs(s.pid), 0) - cpu0;
  const pgCpu = baseDatabaseUrl ? postgresCpuMs() - pg0 : NaN;
  for (const server of servers.splice(0)) await server.stop();

  progress("timing the embedder alone");
  const floor = await embedderFloor(texts.slice(0, FLOOR_TEXTS), ["warm up"]);
  const perSecond = startBacklog / seconds;
  console.log(
    `## ${baseDatabaseUrl ? "Postgres" : "PGlite"}, a backlog of ${MEMORIES} memories, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  console.log(
    "The backlog is the gauge's when every server's model was up; CPU is ms per memory drained. " +
      "The floor is the embedder alone, in process, batches of 64.\n",
  );
  console.log(
    table(
      ["servers", "drained", "seconds", "per s", "floor per s", "of floor", "server CPU ms", "Postgres CPU ms"],
      [
        [
          SERVERS,
          startBacklog,
          fixed(seconds, 1),
          fixed(perSecond, 1),
          fixed(floor.batchedPerSecond, 1),
          `${fixed((100 * perSecond) / floor.batchedPerSecond, 0)}%`,
          fixed(serverCpu / startBacklog, 2),
          baseDatabaseUrl ? fixed(pgCpu / startBacklog, 2) : "in process",
        ],
      ],
    ),
  );
} finally {
  for (const server of servers) await server.stop();
  await store.drop();
}
