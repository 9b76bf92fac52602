/**
 * Run by the build (scripts/build.js) as dist/pglite-seed-maker.js <file>: creates an embedded
 * database in a scratch directory, applies every migration, and dumps it to <file>, the seed that
 * new embedded databases start from (src/db/pglite.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "./db/orm.js";
import { dumpPgliteSeed } from "./db/pglite.js";
import { SCHEMA } from "./schema.js";

const [file] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: pglite-seed-maker <file>");
const scratch = await mkdtemp(join(tmpdir(), "engram-seed-"));
try {
  const db = await openDatabase({ schema: SCHEMA, dataDir: scratch });
  await db.close();
  await dumpPgliteSeed(scratch, file);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
