import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/orm.js";
import { SCHEMA } from "../../src/schema.js";
import { repoRoot } from "./engram-process.js";

const run = promisify(execFile);

declare module "vitest" {
  export interface ProvidedContext {
    /** A Postgres server for tests about Postgres itself, whichever engine the suite runs on. */
    postgresUrl: string;
  }
}

/**
 * With DATABASE_URL set, migrate the shared Postgres once, before any suite starts a server on
 * it. Without it (the suite runs on PGlite), start a throw-away Postgres for the few tests that
 * are about Postgres itself, so that both runs execute the same tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-setup-"));
    const db = await openDatabase({ schema: SCHEMA, databaseUrl, dataDir });
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
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
