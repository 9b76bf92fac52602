/**
 * How long `engram serve` (bin/engram.js, the compiled server) takes from process start to
 * answering /healthz, with the model already on disk: on a new data directory (the database is
 * created and migrated) and on a restart of the same directory; then until the embedder is up,
 * and the server's resident memory once it is idle. Embedded PGlite, or a new database each run
 * on the Postgres named by DATABASE_URL. Prints numbers; asserts nothing.
 *
 *   npm run bench:startup [-- --runs 5]
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, newStore, rssMb, type Store } from "./load-server.js";
import { fixed, percentile, table } from "./report.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
const root = fileURLToPath(new URL("../", import.meta.url));
const adminKey = `engram_bench_${randomUUID().replaceAll("-", "")}`;

interface Start {
  healthzMs: number;
  embedderMs: number;
  idleRssMb: number;
}

/** One start: spawn, poll every 5 ms until /healthz answers, then until the model is in use. */
async function start({ dataDir, databaseUrl }: Store): Promise<Start> {
  const port = await freePort();
  const began = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  if (databaseUrl === undefined) delete env.DATABASE_URL;
  const child = spawn(process.execPath, [join(root, "bin/engram.js"), "serve"], {
    env: {
      ...env,
      ENGRAM_HOST: "127.0.0.1",
      ENGRAM_PORT: String(port),
      ENGRAM_DATA_DIR: dataDir,
      ENGRAM_API_KEY: adminKey,
      ENGRAM_MODEL_DIR: process.env.ENGRAM_MODEL_DIR ?? join(root, ".models"),
      ENGRAM_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const until = async (answered: () => Promise<boolean>): Promise<number> => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
      if (await answered().catch(() => false)) return performance.now() - began;
      if (performance.now() - began > 120_000) throw new Error("the server did not come up within two minutes");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  try {
    const healthzMs = await until(async () => (await fetch(`${baseUrl}/healthz`)).ok);
    const embedderMs = await until(async () => {
      const res = await fetch(`${baseUrl}/v1/memory:stats`, { headers: { authorization: `Bearer ${adminKey}` } });
      return Boolean(((await res.json()) as { embedding_model?: string }).embedding_model);
    });
    // Let the start-up work settle before reading the idle footprint.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { healthzMs, embedderMs, idleRssMb: rssMb(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
const engine = baseDatabaseUrl ? "Postgres (DATABASE_URL), a new database each run" : "embedded PGlite";
const firsts: Start[] = [];
const restarts: Start[] = [];
for (let run = 0; run < RUNS; run++) {
  const store = await newStore(baseDatabaseUrl, "engram-start-up-");
  try {
    firsts.push(await start(store));
    restarts.push(await start(store));
  } finally {
    await store.drop();
  }
}

const row = (name: string, starts: Start[]) => {
  const median = (pick: (s: Start) => number) => percentile(starts.map(pick), 50);
  return [
    name,
    fixed(
      median((s) => s.healthzMs),
      0,
    ),
    fixed(
      median((s) => s.embedderMs),
      0,
    ),
    fixed(
      median((s) => s.idleRssMb),
      0,
    ),
  ];
};
console.log(`\nStart-up of bin/engram.js serve on ${engine}, model on disk, median of ${RUNS} runs:\n`);
console.log(
  table(
    ["start", "to /healthz ms", "to embedder ready ms", "idle RSS MB"],
    [row("new data directory or database", firsts), row("restart on the same", restarts)],
  ),
);
