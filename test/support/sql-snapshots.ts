import { rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { expect } from "vitest";
import type { Viewer } from "../../src/auth/principal.js";
import { openDatabase, type Database } from "../../src/db/orm.js";
import type { FilterQuery } from "../../src/memory/filters.js";
import type { Change } from "../../src/memory/change.js";
import { MemoryRepository } from "../../src/memory/memory.repository.js";
import type { MemoryDraft } from "../../src/memory/record.js";
import { SCHEMA } from "../../src/schema.js";
import { createTestDatabase } from "./database.js";
import { wordHashVector } from "./embedders.js";
import { repoRoot } from "./engram-process.js";
import { NO_FILTER } from "./factories/search.js";
import { newDataDir } from "./templates.js";

/**
 * The SQL a repository sends, as the database receives it, kept in committed files
 * (docs/architecture.md, "Reviewable SQL"). MikroORM inlines every parameter into the statement it sends
 * (platform.formatQuery), so the recorded text is the statement as run; only what changes from
 * run to run or machine to machine is replaced: ids, times (formatted in the local time zone),
 * random bytes, and vectors (a list of 384 numbers says nothing to a reviewer).
 */
export function normaliseStatement(statement: string): string {
  return statement
    .replace(/'\[-?\d[\d.e+-]*(?:,-?\d[\d.e+-]*)*\]'/g, (vector) => `'[<${vector.split(",").length} numbers>]'`)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, "<time>")
    .replace(/(?:E?'\\\\x|X')[0-9a-f]+'/gi, "<bytes>")
    .replace(/[ \t]+$/gm, "");
}

/** A database of its own whose statements are recorded while `during` runs. */
export interface RecordedDatabase {
  db: Database;
  /** The statements sent while `run` ran, normalised, each once, in the order first sent. */
  during(run: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Opens a migrated database (PGlite, or a new one on DATABASE_URL's server) and records what
 * its connection executes: every statement MikroORM sends, whether written as SQL or built by
 * the ORM (find, insert, flush), passes through Connection.execute or stream.
 */
export async function openRecordedDatabase(): Promise<RecordedDatabase> {
  const dataDir = await newDataDir("engram-sql-");
  const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : undefined;
  const db = await openDatabase({ schema: SCHEMA, dataDir, databaseUrl: database?.url });
  const connection = db.em.getConnection();
  let recording: string[] | null = null;
  const execute = connection.execute.bind(connection);
  const stream = connection.stream.bind(connection);
  connection.execute = ((text: string, params: unknown[] = [], ...rest: unknown[]) => {
    recording?.push(db.em.getPlatform().formatQuery(text, params));
    return (execute as (...args: unknown[]) => unknown)(text, params, ...rest);
  }) as typeof connection.execute;
  connection.stream = ((text: string, params: unknown[] = [], ...rest: unknown[]) => {
    recording?.push(db.em.getPlatform().formatQuery(text, params));
    return (stream as (...args: unknown[]) => unknown)(text, params, ...rest);
  }) as typeof connection.stream;
  return {
    db,
    during: async (run) => {
      const sent: string[] = [];
      recording = sent;
      try {
        await run();
      } finally {
        recording = null;
      }
      return [...new Set(sent.map(normaliseStatement))];
    },
    close: async () => {
      await db.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Checks one method's statements against its file: `src/<area>/__sql__/<repository>.<method>.sql`,
 * `<repository>` being the repository's file name without `.repository.ts` (so
 * src/memory/search/retrieval.repository.ts's hybridCandidates is
 * src/memory/search/__sql__/retrieval.hybridCandidates.sql), or without `.ts` for another module
 * that sends SQL of its own (src/db/table-statistics.ts). Each case is a call of the method (an
 * argument that changes the SQL makes a case of its own), headed by a comment naming it.
 */
export async function expectSqlSnapshot(
  recorded: RecordedDatabase,
  repositoryFile: string,
  method: string,
  cases: Record<string, () => Promise<unknown>>,
): Promise<void> {
  const sections: string[] = [];
  for (const [name, run] of Object.entries(cases)) {
    const statements = await recorded.during(run);
    if (statements.length === 0) throw new Error(`${method} (${name}) sent no statement`);
    sections.push(`-- ${name}\n\n${statements.map((s) => `${s.trim()};`).join("\n\n")}\n`);
  }
  const file = join(
    repoRoot,
    dirname(repositoryFile),
    "__sql__",
    `${basename(repositoryFile).replace(/(\.repository)?\.ts$/, "")}.${method}.sql`,
  );
  await expect(sections.join("\n")).toMatchFileSnapshot(file);
}

/**
 * Fails when a repository has a method the test does not snapshot: its methods are read off the
 * class (TypeScript's private ones too, which are listed as `helpers`), so a method added
 * without a snapshot is noticed.
 */
export function expectEveryMethodSnapshotted(
  repository: abstract new (...args: never[]) => unknown,
  snapshotted: readonly string[],
  helpers: readonly string[] = [],
): void {
  const methods = Object.getOwnPropertyNames(repository.prototype).filter((name) => name !== "constructor");
  expect(methods.sort()).toEqual([...snapshotted, ...helpers].sort());
}

/** The model, reader and change every snapshotted call uses (the SQL, not the data, is the point). */
export const SNAPSHOT_MODEL = "test:word-hash";
export const SNAPSHOT_VIEWER: Viewer = { workspaceId: "ws-sql", agentId: "agent-1", admin: false, keyId: "key-1" };
export const SNAPSHOT_CHANGE: Change = { kind: "created", keyId: "key-1", agentId: "agent-1", reason: null };

/** The time every snapshotted call runs at. */
export const SNAPSHOT_NOW = new Date("2026-01-01T00:00:00.000Z");

/** A MemoryFilter that keeps every active memory, and one that filters on each kind of field. */
export { NO_FILTER };
export const EVERY_FILTER: FilterQuery = {
  ...NO_FILTER,
  subjectType: "account",
  subjectId: "acme",
  kinds: ["note"],
  tags: ["renewal"],
  anyTags: ["pricing", "renewal"],
  ownerAgentIds: ["agent-1", "agent-2"],
  linkedEntity: { type: "company", id: "acme" },
  visibility: "shared",
  validAt: SNAPSHOT_NOW,
};

/** The n-th fixed memory id of a snapshot test. */
export function snapshotId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** A memory a snapshot test stores first: with WordHashEmbedder's vector unless `pending`. */
export interface Seed {
  draft: MemoryDraft;
  pending?: boolean;
  change?: Change;
}

/** A recorded database holding these memories, ids snapshotId(1), snapshotId(2)... in order. */
export async function openSeededDatabase(seeds: readonly Seed[]): Promise<RecordedDatabase> {
  const recorded = await openRecordedDatabase();
  await new MemoryRepository(recorded.db.em.fork()).insertDrafts({
    workspaceId: SNAPSHOT_VIEWER.workspaceId,
    items: seeds.map(({ draft, pending, change }, i) => ({
      id: snapshotId(i + 1),
      draft,
      embedded: pending ? null : { vector: wordHashVector(draft.content), model: SNAPSHOT_MODEL },
      change: change ?? SNAPSHOT_CHANGE,
    })),
    now: SNAPSHOT_NOW,
  });
  return recorded;
}
