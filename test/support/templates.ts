import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";
import { openDatabase } from "../../src/db/orm.js";
import { SCHEMA } from "../../src/schema.js";
import { repoRoot } from "./engram-process.js";

/**
 * Migrated databases to copy rather than migrate again: a new embedded database costs an
 * initdb and every migration (about 3 s on PGlite), a copy of a migrated one tens of
 * milliseconds. The templates are made once per set of migrations: the PGlite one is kept
 * between runs under node_modules/.cache, the Postgres one lives on the suite's server.
 */

const run = promisify(execFile);

/**
 * What a test database's Postgres runs with, on top of a server's own: PGlite zeroes its whole
 * buffer pool when it starts (its anonymous memory is zero-filled), so the default 128 MB cost
 * every test database about 120 ms of CPU and 120 MB of memory to open, for tables that hold
 * kilobytes. Written into the template, so every copy has it.
 */
const TEST_DATABASE_SETTINGS = "shared_buffers = '16MB'\n";

declare module "vitest" {
  export interface ProvidedContext {
    /** A data directory holding a migrated embedded database (in pglite/), never opened by tests. */
    pgliteTemplate: string;
    /** On DATABASE_URL's server: a migrated database that each test database is created from. */
    postgresTemplate: string;
  }
}

/** What the schema is made of: any change to it makes new templates. */
async function schemaVersion(): Promise<string> {
  const hash = createHash("sha256");
  const migrations = join(repoRoot, "src/db/migrations");
  for (const file of (await readdir(migrations)).sort())
    hash.update(file).update(await readFile(join(migrations, file)));
  const pglite = JSON.parse(await readFile(join(repoRoot, "node_modules/@electric-sql/pglite/package.json"), "utf8"));
  hash.update(String((pglite as { version: string }).version)).update(TEST_DATABASE_SETTINGS);
  return hash.digest("hex").slice(0, 16);
}

/** The migrated PGlite data directory for the current migrations, made when missing. */
export async function makePgliteTemplate(): Promise<string> {
  const cache = join(repoRoot, "node_modules/.cache/engram-tests");
  const template = join(cache, `pglite-${await schemaVersion()}`);
  if (await exists(join(template, "pglite"))) return template;
  await mkdir(cache, { recursive: true });
  const scratch = await mkdtemp(join(cache, "making-"));
  const db = await openDatabase({ schema: SCHEMA, dataDir: scratch });
  await db.close();
  await appendFile(join(scratch, "pglite/postgresql.auto.conf"), TEST_DATABASE_SETTINGS);
  // Whole or not at all: a run cut short never leaves half a template behind.
  await rename(scratch, template).catch(async (err: unknown) => {
    await rm(scratch, { recursive: true, force: true });
    if (!(await exists(join(template, "pglite")))) throw err;
  });
  return template;
}

/** A migrated database on the Postgres server at baseUrl, to create test databases from. */
export async function makePostgresTemplate(baseUrl: string): Promise<string> {
  const name = `engram_template_${await schemaVersion()}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const scratch = await mkdtemp(join(tmpdir(), "engram-template-"));
  try {
    const db = await openDatabase({
      schema: SCHEMA,
      databaseUrl: url.toString(),
      dataDir: scratch,
      createDatabase: true,
    });
    await db.close();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return name;
}

/**
 * A new data directory for a test server or a CLI run. `migrated` (the default) holds a copy
 * of the migrated template, as a server leaves it after its first start minus any row; an
 * empty one is for tests of the first start itself.
 */
export async function newDataDir(prefix = "engram-test-", { migrated = true } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (migrated) await run("cp", ["-r", join(inject("pgliteTemplate"), "pglite"), join(dir, "pglite")]);
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
