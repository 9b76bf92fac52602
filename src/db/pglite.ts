import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import type { Logger } from "pino";

export interface PgliteOptions {
  /**
   * A new database starts from this dump of a migrated, empty one (the build makes it) instead of
   * from PGlite's initdb: about 0.4 s instead of 2 at a first start. Used only when it exists.
   */
  seed?: URL;
  logger?: Logger;
}

/** Opens the embedded Postgres (PGlite, with pgvector) stored under the data directory. */
export async function openPglite(dataDir: string, { seed, logger }: PgliteOptions = {}): Promise<PGlite> {
  const dir = join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  if (seed !== undefined && isEmpty(dir) && existsSync(seed)) {
    try {
      return await create(dir, new Blob([await readFile(seed)]));
    } catch (err) {
      // A seed that does not load (damaged, or from another PGlite) only costs the initdb.
      logger?.warn({ seed: seed.pathname, error: String(err) }, "the database seed did not load; creating anew");
      for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
  return create(dir);
}

function create(dir: string, loadDataDir?: Blob): Promise<PGlite> {
  // relaxedDurability stays off: every commit reaches the filesystem before it is acknowledged.
  return PGlite.create({ dataDir: dir, extensions: { vector }, relaxedDurability: false, loadDataDir });
}

function isEmpty(dir: string): boolean {
  return readdirSync(dir).length === 0;
}

/** Writes the database under dataDir, which must not be open, to `file` as a seed for new ones. */
export async function dumpPgliteSeed(dataDir: string, file: string): Promise<void> {
  const pglite = await create(join(dataDir, "pglite"));
  try {
    const dump = await pglite.dumpDataDir("gzip");
    const aside = `${file}.${process.pid}.tmp`;
    await writeFile(aside, Buffer.from(await dump.arrayBuffer()));
    await rename(aside, file);
  } finally {
    await pglite.close();
  }
}
