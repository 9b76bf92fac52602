import type { EntityManager } from "@mikro-orm/sql";
import { query, Sql, sql } from "../db/sql.js";

/** The tables an erasure deletes from, and the catalog that keeps samples of their values. */
const ERASED_FROM = [
  "memories",
  "memory_revisions",
  "memory_changes",
  "staged_writes",
  "write_requests",
  "entity_names",
  "entity_tallies",
  "relation_tallies",
  "entities",
  "entity_merges",
];

/**
 * Leaves nothing of erased rows in the embedded database's files. A delete only marks rows dead,
 * and neither VACUUM nor an index's clean-up overwrites the bytes they held (a full-text index
 * keeps every word it ever held as a key); VACUUM FULL writes each table and its indexes to new
 * files and unlinks the old. ANALYZE replaces the samples of values pg_statistic keeps, which is
 * then rewritten too. The write-ahead log still holds the rows as written: the log moves to a new
 * segment and two checkpoints let the old ones go, unlinked rather than kept for reuse.
 */
export async function scrubEmbedded(em: EntityManager): Promise<void> {
  for (const table of ERASED_FROM) await query(em, sql`vacuum (full, analyze) ${Sql.raw(table)}`);
  await query(em, sql`vacuum full pg_statistic`);
  await leaveOldLogSegments(em);
}

/**
 * Moves the log past every segment that exists now, then checkpoints twice, so that all of them
 * are older than the last checkpoint's redo point and are unlinked (the worker starts PGlite with
 * wal_recycle off). A segment made for reuse before that setting (a data directory from an older
 * Engram) holds old bytes past where it is written: the log passes through each such one too. A
 * switch moves only past a segment something was written to, hence the checkpoint before each.
 */
async function leaveOldLogSegments(em: EntityManager): Promise<void> {
  const [last] = await query<{ name: string }>(
    em,
    sql`select max(name) as name from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$'`,
  );
  for (let i = 0; i < MAX_SEGMENT_SWITCHES; i++) {
    await query(em, sql`checkpoint`);
    const [current] = await query<{ name: string }>(em, sql`select pg_walfile_name(pg_switch_wal()) as name`);
    if (last === undefined || current === undefined || current.name >= last.name) break;
  }
  await query(em, sql`checkpoint`);
  await query(em, sql`checkpoint`);
}

/** More segments than an embedded database keeps (min_wal_size is 80 MB: five of 16 MB). */
const MAX_SEGMENT_SWITCHES = 64;
