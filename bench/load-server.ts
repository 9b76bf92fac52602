/**
 * The server under test as its own process (`bin/engram.js serve`, as users run it), so that
 * its CPU time can be read from /proc and nothing of the load generator counts against it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = fileURLToPath(new URL("../", import.meta.url));
/** USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface ServerOptions {
  dataDir: string;
  databaseUrl: string | undefined;
  embedder: "local" | "none";
  adminKey: string;
  budgetMs?: number;
  /** More settings, as environment variables (ENGRAM_...). */
  env?: Record<string, string>;
}

/** A place for one server's data: a PGlite directory, or a database of its own on the Postgres. */
export interface Store {
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/** A new, empty store: on the Postgres at baseDatabaseUrl when given, else a PGlite directory. */
export async function newStore(baseDatabaseUrl: string | undefined, prefix: string): Promise<Store> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  if (baseDatabaseUrl === undefined) {
    return { dataDir, databaseUrl: undefined, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `${prefix.replace(/\W/g, "_")}${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseDatabaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseDatabaseUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunningServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENGRAM_HOST: "127.0.0.1",
    ENGRAM_PORT: String(port),
    ENGRAM_DATA_DIR: options.dataDir,
    ENGRAM_API_KEY: options.adminKey,
    ENGRAM_EMBEDDER: options.embedder,
    ENGRAM_MODEL_DIR: process.env.ENGRAM_MODEL_DIR ?? `${root}.models`,
    ENGRAM_RATE_LIMIT: "0",
    ENGRAM_LOG_LEVEL: "warn",
    ENGRAM_EMBED_BUDGET_MS: String(options.budgetMs ?? 200),
    // The gauges count at most once a second while untilTalliesFolded scrapes (nothing else does).
    ENGRAM_METRICS_COUNT_INTERVAL: "1",
  };
  Object.assign(env, options.env);
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, [`${root}bin/engram.js`, "serve"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  // The server listens before its embedder is up; with the local one, wait for the model too,
  // so that ingest is measured with vectors from the first write.
  const ready = () =>
    options.embedder === "none"
      ? fetch(`${baseUrl}/readyz`).then((res) => res.ok)
      : fetch(`${baseUrl}/v1/memory:stats`, { headers: { authorization: `Bearer ${options.adminKey}` } })
          .then((res) => res.json() as Promise<{ embedding_model?: string }>)
          .then((stats) => Boolean(stats.embedding_model));
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    if (await ready().catch(() => false)) break;
    if (attempt > 600) throw new Error("the server did not become ready within a minute");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Seconds until the server has folded every graph tally row the writes added (its
 * engram_graph_unfolded_tally_rows gauge reads 0, counted at most a second before): graph reads
 * sum a key's unfolded rows, so they are measured once the folder has caught up.
 */
export async function untilTalliesFolded(server: RunningServer, limitSeconds = 900): Promise<number> {
  const started = performance.now();
  for (;;) {
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const rows = Number(/^engram_graph_unfolded_tally_rows (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
    const seconds = (performance.now() - started) / 1000;
    if (rows === 0) return seconds;
    if (seconds > limitSeconds) throw new Error(`${rows} graph tally rows still unfolded after ${limitSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** User plus system CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process now, in MB. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * CPU time of the native Postgres on this machine, in ms: every live postgres process, plus
 * what the postmaster has collected from backends that have exited (a closed connection's
 * backend would otherwise take its CPU time with it).
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      total += cpuMs(Number(entry)) + exitedChildrenCpuMs(stat);
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

function exitedChildrenCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}
