import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { repoRoot } from "./engram-process.js";

const run = promisify(execFile);

declare module "vitest" {
  export interface ProvidedContext {
    /** A Postgres server for tests about Postgres itself, whichever engine the suite runs on. */
    postgresUrl: string;
  }
}

/**
 * For the tests about Postgres itself (scale-out, database URLs, moving a workspace between
 * engines): DATABASE_URL's server when the suite runs on Postgres, else a throw-away one that
 * scripts/test-postgres.sh starts for this run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    project.provide("postgresUrl", databaseUrl);
    return async () => {};
  }
  const scratch = await mkdtemp(join(tmpdir(), "engram-test-pg-"));
  const state = join(scratch, "state");
  const script = join(repoRoot, "scripts/test-postgres.sh");
  const { stdout } = await run("bash", [script, "start", state], { timeout: 300_000 });
  project.provide("postgresUrl", stdout.trim());
  return async () => {
    await run("bash", [script, "stop", state], { timeout: 60_000 });
    await rm(scratch, { recursive: true, force: true });
  };
}
