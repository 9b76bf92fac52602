import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/orm.js";

/** With DATABASE_URL set, migrate the shared Postgres once, before any suite starts a server on it. */
export default async function setup(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) return;
  const dataDir = await mkdtemp(join(tmpdir(), "engram-setup-"));
  const db = await openDatabase({ databaseUrl, dataDir });
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
