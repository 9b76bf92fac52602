/**
 * A new embedded database starts from the seed the build makes (dist/pglite-seed.tar.gz, built
 * by the global setup): it must be the same database the migrations would have made, durable
 * like one made by initdb, and a seed that does not load must cost only the time it saves.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../../src/db/orm.js";
import { PGLITE_SEED } from "../../../src/generated-files.js";
import { SCHEMA } from "../../../src/schema.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "engram-seeded-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Set by initdb: databases that share it were copied from one. */
async function systemIdentifier(db: Database): Promise<string> {
  const [row] = await db.em
    .fork()
    .execute<{ id: string }[]>(`select system_identifier::text as id from pg_control_system()`);
  return row!.id;
}

describe("a new embedded database from the build's seed", () => {
  it("is a copy of the seed, not a database made by initdb", async () => {
    const identifiers: string[] = [];
    for (const pgliteSeed of [PGLITE_SEED, PGLITE_SEED, undefined]) {
      const db = await openDatabase({ schema: SCHEMA, dataDir: await newDir(), pgliteSeed });
      identifiers.push(await systemIdentifier(db));
      await db.close();
    }
    const [seeded, seededAgain, made] = identifiers;
    expect(seededAgain).toBe(seeded);
    expect(made).not.toBe(seeded);
  });

  it("is exactly what the entities define, and keeps what is written after a reopen without the seed", async () => {
    const dataDir = await newDir();
    const db = await openDatabase({ schema: SCHEMA, dataDir, pgliteSeed: PGLITE_SEED });
    expect(await db.schemaChanges()).toMatchObject({ up: [] });
    await db.em
      .fork()
      .execute(`insert into server_secrets (name, secret, create_time) values ('seed-test', 'kept', now())`);
    await db.close();

    const reopened = await openDatabase({ schema: SCHEMA, dataDir });
    const rows = await reopened.em
      .fork()
      .execute<{ secret: string }[]>(
        `select convert_from(secret, 'UTF8') as secret from server_secrets where name = 'seed-test'`,
      );
    await reopened.close();
    expect(rows).toEqual([{ secret: "kept" }]);
  });

  it("is not applied to a directory that already holds a database", async () => {
    const dataDir = await newDir();
    // Made from the seed too (initdb costs seconds): the seed applied again would lose the row.
    const first = await openDatabase({ schema: SCHEMA, dataDir, pgliteSeed: PGLITE_SEED });
    await first.em
      .fork()
      .execute(`insert into server_secrets (name, secret, create_time) values ('existing', 'mine', now())`);
    await first.close();

    const again = await openDatabase({ schema: SCHEMA, dataDir, pgliteSeed: PGLITE_SEED });
    const rows = await again.em.fork().execute<{ name: string }[]>(`select name from server_secrets`);
    await again.close();
    expect(rows.map((r) => r.name)).toContain("existing");
  });

  it("falls back to creating the database anew when the seed does not load, saying so", async () => {
    const dataDir = await newDir();
    const damaged = join(await newDir(), "damaged-seed.tar.gz");
    await writeFile(damaged, "not a tarball");
    const lines: { msg: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });

    const db = await openDatabase({ schema: SCHEMA, dataDir, pgliteSeed: pathToFileURL(damaged), logger });
    expect(await db.schemaChanges()).toMatchObject({ up: [] });
    await db.close();
    expect(lines.map((l) => l.msg)).toContain("the database seed did not load; creating anew");
  });
});
