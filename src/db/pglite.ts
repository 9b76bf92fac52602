import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

/** Opens the embedded Postgres (PGlite, with pgvector) stored under the data directory. */
export async function openPglite(dataDir: string): Promise<PGlite> {
  const dir = join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  // relaxedDurability stays off: every commit reaches the filesystem before it is acknowledged.
  return PGlite.create({ dataDir: dir, extensions: { vector }, relaxedDurability: false });
}
