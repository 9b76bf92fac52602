import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiKeys, readAdminKey } from "../../src/auth/api-keys.js";
import { openDatabase } from "../../src/db/orm.js";
import { SCHEMA } from "../../src/schema.js";
import { QUICK_START_FLAGS } from "./quick-start.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const run = promisify(execFile);

/** What a CLI run printed, and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to completion with `env` on top of this process's environment
 * (undefined removes a variable); never throws, so exit codes can be asserted.
 */
export async function runEngram(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  const [cmd, argv] = engramCommand(...args);
  try {
    const { stdout, stderr } = await run(cmd, argv, { cwd: repoRoot, env: withEnv(env), timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    return { code: e.code ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** This process's environment with `env` on top (undefined removes a variable). */
function withEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  return childEnv;
}

/**
 * What a spawned server runs with unless the test's `env` says otherwise: no models, as
 * startTestServer, since loading one costs a start seconds of CPU (a test that searches by
 * meaning sets ENGRAM_EMBEDDER=local); and the models directory `npm test` fills, so that a
 * server that does load one never fetches it into its data directory.
 */
const SERVER_ENV = {
  ENGRAM_EMBEDDER: "none",
  ENGRAM_RERANKER: "none",
  ENGRAM_MODEL_DIR: process.env.ENGRAM_MODEL_DIR ?? join(repoRoot, ".models"),
};

/**
 * argv for running the CLI the way `npm start` does: bin/engram.js and the compiled server,
 * which the integration tier's global setup builds from the sources once, before any suite.
 */
export function engramCommand(...args: string[]): [string, string[]] {
  return [process.execPath, [...QUICK_START_FLAGS, "bin/engram.js", ...args]];
}

export interface EngramProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Every stderr line so far (the process keeps appending). */
  stderrLines: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first structured log line whose msg is `msg`. */
  waitForLog(msg: string): Promise<Record<string, unknown>>;
  /** Ends the process if it is still running (SIGKILL) and waits for it. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  dataDir: string;
  /** Variables set (string) or removed (undefined) on top of this process's environment. */
  env?: Record<string, string | undefined>;
  args?: string[];
  /** Where bin/engram.js is run from: the repository unless given (a copy of the build elsewhere). */
  cwd?: string;
}

/**
 * Runs `engram serve` in a child process on a free port and resolves once it logs
 * "engram listening". DATABASE_URL passes through from the environment unless overridden; the
 * models are SERVER_ENV's.
 */
export async function spawnEngram({
  dataDir,
  env = {},
  args = [],
  cwd = repoRoot,
}: SpawnOptions): Promise<EngramProcess> {
  const childEnv = withEnv({ ...SERVER_ENV, ...env });
  const [cmd, argv] = engramCommand("serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, ...args);
  const child = spawn(cmd, argv, { cwd, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  const stderrLines: string[] = [];
  const waiters: Array<() => void> = [];
  let pending = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    stderrLines.push(...lines);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    }),
  );

  const waitForLog = async (msg: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = stderrLines.map(parseLogLine).find((line) => line?.msg === msg);
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`engram exited before logging "${msg}":\n${stderrLines.join("\n")}${pending}`);
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };

  try {
    const listening = await waitForLog("engram listening");
    const port = listening.port as number;
    return { child, port, baseUrl: `http://127.0.0.1:${port}`, stderrLines, exited, waitForLog, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}

/** A JSON log line as an object, or undefined when the line is not JSON. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A key with read and write scopes for a spawned server: on PGlite the bootstrap admin key
 * from the data directory; on a shared Postgres (where bootstrap may not run because keys
 * already exist) a fresh admin key in a workspace of its own.
 */
export async function keyFor(dataDir: string, databaseUrl: string | undefined): Promise<string> {
  if (!databaseUrl) return readAdminKey(dataDir);
  const db = await openDatabase({ schema: SCHEMA, databaseUrl, dataDir });
  try {
    const { secret } = await new ApiKeys(db.em).create({
      workspaceId: `ws-${randomUUID()}`,
      displayName: "spawned server test",
      scopes: ["admin", "memory:read", "memory:write"],
      agentId: null,
    });
    return secret;
  } finally {
    await db.close();
  }
}
