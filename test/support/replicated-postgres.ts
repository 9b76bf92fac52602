import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sameDatabaseOn } from "../../src/db/database-url.js";
import { createTestDatabase } from "./database.js";
import { repoRoot } from "./engram-process.js";

const run = promisify(execFile);
const SCRIPT = join(repoRoot, "scripts/test-postgres.sh");

export interface ReplicatedPostgres {
  primaryUrl: string;
  standbyUrl: string;
  /** A new database on the primary, and its URL on the standby (where it appears once replayed). */
  createDatabase(): Promise<{ url: string; replicaUrl: string; drop(): Promise<void> }>;
  stopStandby(): Promise<void>;
  /** Stops the primary as a crash would (immediate shutdown). */
  crashPrimary(): Promise<void>;
  promoteStandby(): Promise<void>;
  stop(): Promise<void>;
}

/** A Postgres primary and a hot standby of it (scripts/test-postgres.sh), replaying `delayMs` after each commit. */
export async function startReplicatedPostgres(delayMs: number): Promise<ReplicatedPostgres> {
  const scratch = await mkdtemp(join(tmpdir(), "engram-test-replicas-"));
  const state = join(scratch, "state");
  const { stdout } = await run("bash", [SCRIPT, "start", state, "standby", String(delayMs)], { timeout: 300_000 });
  const [primaryUrl = "", standbyUrl = ""] = stdout.trim().split("\n");
  const control = (command: string) => run("bash", [SCRIPT, command, state], { timeout: 60_000 });
  return {
    primaryUrl,
    standbyUrl,
    async createDatabase() {
      const database = await createTestDatabase(primaryUrl);
      return { ...database, replicaUrl: sameDatabaseOn(standbyUrl, database.url) };
    },
    stopStandby: async () => void (await control("standby-stop")),
    crashPrimary: async () => void (await control("primary-crash")),
    promoteStandby: async () => void (await control("promote")),
    async stop() {
      await control("stop");
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
