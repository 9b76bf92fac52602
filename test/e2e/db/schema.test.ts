import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import pg from "pg";
import { v5 as uuidv5 } from "uuid";
import { afterAll, describe, expect, inject, it } from "vitest";
import { StagedWriteSchema } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { Migration20261124220610StagedWriteAgents } from "../../../src/db/migrations/20261124220610-staged-write-agents.js";
import { migrations } from "../../../src/db/migrations/index.js";
import { openDatabase, type Database } from "../../../src/db/orm.js";
import { triggerBodies } from "../../../src/db/sharding/stale-row-triggers.js";
import { SCHEMA } from "../../../src/schema.js";
import { repoRoot } from "../../support/engram-process.js";

const cleanups: (() => Promise<void>)[] = [];
const NAMESPACE = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** SQL with every run of spacing as one space. */
const spaced = (sql: string) => sql.replace(/\s+/gu, " ").trim();

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
  // Every migration run on an empty database takes seconds: the tests that only read the schema
  // share one, and the one that drops an index comes last.
  let shared: Promise<Database> | undefined;
  const migrated = () => (shared ??= fresh());

  it("is exactly what the entities define once every migration has run", async () => {
    const db = await migrated();
    expect(await db.schemaChanges()).toMatchObject({ up: [] });
  });

  it("gives staged writes staged before agent_ids existed the agents their writes act as", async () => {
    const db = await fresh();
    const connection = db.em.getConnection();
    await connection.execute('alter table "staged_writes" drop column "agent_ids"');
    const staged = (agents: string[]) =>
      toBinary(
        StagedWriteSchema,
        create(StagedWriteSchema, {
          requests: agents.map((agentId) => ({ memory: { agentId, subjectType: "s", kind: "k", content: "c" } })),
        }),
      );
    const rows = { several: ["agent-a", "agent-b", "agent-a"], none: [""], one: ["agent-c"] };
    for (const [id, agents] of Object.entries(rows)) {
      await connection.execute(
        `insert into staged_writes (workspace_id, id, agent_id, staged_by_key_id, state, body, create_time, expire_time)
          values ('ws', ?, ?, 'key', 'pending', ?, now(), now())`,
        [uuidv5(id, NAMESPACE), id === "one" ? "agent-c" : null, Buffer.from(staged(agents))],
      );
    }
    await new Migration20261124220610StagedWriteAgents(db.em.getDriver(), db.em.config).up();
    const migrated = await connection.execute<{ id: string; agent_ids: string[] }[]>(
      "select id, agent_ids from staged_writes",
    );
    const byName = Object.fromEntries(
      Object.keys(rows).map((name) => [name, migrated.find((r) => r.id === uuidv5(name, NAMESPACE))?.agent_ids]),
    );
    expect(byName).toEqual({ several: ["agent-a", "agent-b"], none: [], one: ["agent-c"] });
  });

  // The schema comparison sees a trigger's name and events, not its function's body: a changed
  // body needs a migration of its own (the last one replacing it), which this holds to the source
  // (up to spacing, which the migration generator folds).
  it("runs the trigger functions the entities declare, body for body", async () => {
    const db = await migrated();
    const declared = (SCHEMA.entities as { meta?: { triggers?: { expression: string }[] } }[])
      .flatMap((entity) => entity.meta?.triggers ?? [])
      .flatMap(({ expression }) => triggerBodies([expression]))
      .map(({ name, body }) => ({ name, body: spaced(body) }));
    expect(declared.map((d) => d.name)).toContain("memories_mentions_on_write_fn");
    const running = await db.em
      .getConnection()
      .execute<{ name: string; body: string }[]>(
        "select proname as name, prosrc as body from pg_proc where proname in (?)",
        [declared.map((d) => d.name)],
      );
    const ran = running.map(({ name, body }) => ({ name, body: spaced(body) }));
    expect(ran.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      declared.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("differs from the entities when an index they declare is missing", async () => {
    const db = await migrated();
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
