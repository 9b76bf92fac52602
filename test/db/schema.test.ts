import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrations } from "../../src/db/migrations/index.js";
import { openDatabase, type Database } from "../../src/db/orm.js";
import { SCHEMA } from "../../src/schema.js";
import { repoRoot } from "../support/engram-process.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function freshPglite(): Promise<Database> {
  const dataDir = await mkdtemp(join(tmpdir(), "engram-schema-"));
  const db = await openDatabase({ schema: SCHEMA, dataDir });
  cleanups.push(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return db;
}

async function freshPostgres(): Promise<Database> {
  const baseUrl = inject("postgresUrl");
  const name = `engram_schema_${randomUUID().replaceAll("-", "")}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), "engram-schema-"));
  const db = await openDatabase({ schema: SCHEMA, databaseUrl: url.toString(), dataDir, createDatabase: true });
  cleanups.push(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`).finally(() => client.end());
  });
  return db;
}

describe.each([
  ["PGlite", freshPglite],
  ["Postgres", freshPostgres],
])("the schema on %s", (_, fresh) => {
  it("is exactly what the entities define once every migration has run", async () => {
    const db = await fresh();
    expect(await db.schemaChanges()).toMatchObject({ up: [] });
  });

  it("differs from the entities when an index they declare is missing", async () => {
    const db = await fresh();
    await db.em.getConnection().execute("drop index memories_tags");
    const { up } = await db.schemaChanges();
    expect(up).toHaveLength(1);
    expect(up[0]).toContain("memories_tags");
  });
});

describe("the migration list", () => {
  it("names every migration file, oldest first", async () => {
    const files = (await readdir(join(repoRoot, "src/db/migrations")))
      .filter((f) => f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
  });
});
