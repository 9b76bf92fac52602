import { contentFacts, type ContentExtraction } from "../graph/content-mentions.js";
import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { visibleTo } from "../auth/visibility.js";
import type { Viewer } from "../auth/principal.js";
import { Sql, query, sql } from "../db/sql.js";
import { isUuid } from "../ids.js";
import { CHANGE_COLUMNS, changeAssignments, changeValues } from "./change.js";
import {
  DRAFT_COLUMNS,
  DRAFT_FROM_EXCLUDED,
  EMBEDDING_COLUMNS,
  EXCLUDED_DIFFERS,
  RECORD_COLUMNS as COLUMNS,
  differsFrom,
  draftValues,
  embeddingValues,
  single,
  toRecord,
  type MemoryColumns,
} from "./columns.js";
import { boundedRows, contentBoundedPage, type BoundedColumns, type BoundedRows } from "./content-bounded-page.js";
import { atNaturalKey, filterConditions, type ListQuery } from "./filters.js";
import { fingerprintOf, keylessIdentity } from "./identity.js";
import type { MemoryDraft, MemoryRecord } from "./record.js";
import { MemoryEntity, type MemoryRow } from "./memory.entity.js";
import type {
  Deletion,
  InsertedDrafts,
  KeyedWrite,
  KeylessDrafts,
  Replacement,
  UpsertOutcome,
} from "./memory-writes.js";

/** Not active: deleted, expired or superseded (a keyed write revives it). */
function inactive(now: Date): Sql {
  return sql`(memories.delete_time is not null or memories.superseded_by is not null
    or (memories.expire_time is not null and memories.expire_time <= ${now}))`;
}

/**
 * Reads and writes of whole memories. The upsert, the merge locks and the keyset list are SQL
 * on purpose (see each); the retrievers are RetrievalRepository, vectors StoredVectorRepository.
 */
export class MemoryRepository extends SqlEntityRepository<MemoryRow> {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(
    em: EntityManager,
    private readonly extract: ContentExtraction = contentFacts,
  ) {
    super(em, MemoryEntity);
  }

  /**
   * The keyed write: one INSERT ... ON CONFLICT statement, so concurrent writers of one key
   * make one row. An update of an active memory that would set every field to what it is
   * updates nothing (no revision): the statement returns no row, and the memory is read back.
   */
  async upsertByKey({
    workspaceId,
    id,
    draft,
    embedded,
    now,
    change,
  }: KeyedWrite): Promise<{ record: MemoryRecord; outcome: UpsertOutcome }> {
    const v = draftValues(draft, this.extract);
    const rows = await query<MemoryColumns & { inserted: boolean; last_change: string }>(
      this.em,
      sql`insert into memories as memories (workspace_id, id, create_time, update_time, ${DRAFT_COLUMNS},
          ${EMBEDDING_COLUMNS}, ${CHANGE_COLUMNS})
        values (${workspaceId}, ${id}, ${now}, ${now}, ${v}, ${embeddingValues(embedded)},
          ${changeValues({ ...change, kind: "created" })})
        on conflict (workspace_id, agent_id, subject_type, subject_id, kind, key) where key is not null
        do update set ${DRAFT_FROM_EXCLUDED},
          embedding = case when excluded.embedding is not null then excluded.embedding
            when memories.content = excluded.content then memories.embedding end,
          embedding_model = case when excluded.embedding is not null then excluded.embedding_model
            when memories.content = excluded.content then memories.embedding_model end,
          embedding_status = case when excluded.embedding is not null then 'attached'
            when memories.content = excluded.content then memories.embedding_status else 'pending' end,
          embedding_attempts = 0, embedding_retry_time = excluded.embedding_retry_time,
          update_time = excluded.update_time, delete_time = null, forget_reason = null, superseded_by = null,
          last_change = case when ${inactive(now)} then 'revived' else 'upserted' end,
          last_change_key_id = excluded.last_change_key_id, last_change_agent_id = excluded.last_change_agent_id,
          last_change_reason = null, revision = memories.revision + 1
        where ${EXCLUDED_DIFFERS} or ${inactive(now)}
        returning ${COLUMNS}, (xmax = 0) as inserted, last_change`,
    );
    const row = rows[0];
    if (row === undefined) {
      // The conflicting row is locked by the statement above until commit, so it is still there.
      const unchanged = await this.first(
        sql`select ${COLUMNS} from memories where ${atNaturalKey(workspaceId, draft)}`,
      );
      if (unchanged === null) throw new Error("a keyed write that changed nothing found no memory at its key");
      return { record: unchanged, outcome: "unchanged" };
    }
    const outcome: UpsertOutcome = row.inserted ? "created" : row.last_change === "revived" ? "revived" : "updated";
    return { record: toRecord(row), outcome };
  }

  /** The memory at a natural key, in any state, if any (for dry runs). */
  async findByNaturalKey(workspaceId: string, draft: MemoryDraft): Promise<MemoryRecord | null> {
    return this.first(sql`select ${COLUMNS} from memories where ${atNaturalKey(workspaceId, draft)}`);
  }

  /**
   * Takes a transaction-scoped advisory lock on each identity (lock-identity.ts), in one
   * sorted order, in one statement: writers of the same keyless memory wait for each other
   * until commit, and two batches can never hold each other's next lock.
   */
  async lockIdentities(identities: readonly string[]): Promise<void> {
    if (identities.length === 0) return;
    const sorted = [...new Set(identities)].sort();
    await query(
      this.em,
      sql`select pg_advisory_xact_lock(hashtextextended(k, 0))
        from (select k from unnest(${sorted}::text[]) as k order by k) as locks`,
    );
  }

  /**
   * For each keyless draft, the active keyless memory it repeats (same owner, subject, kind and
   * normalised content), the oldest if several: one statement, answers in the drafts' order.
   */
  async repeatedMemories({ workspaceId, drafts, now }: KeylessDrafts): Promise<(MemoryRecord | null)[]> {
    if (drafts.length === 0) return [];
    const candidates = await this.all(
      sql`select ${COLUMNS} from memories
        where workspace_id = ${workspaceId} and key is null
          and content_fingerprint = any(${[...new Set(drafts.map((d) => fingerprintOf(d.content)))]}::text[])
          and delete_time is null and superseded_by is null and (expire_time is null or expire_time > ${now})
        order by create_time`,
    );
    const targets = new Map<string, MemoryRecord>();
    for (const record of candidates) {
      const identity = keylessIdentity(workspaceId, record);
      if (!targets.has(identity)) targets.set(identity, record);
    }
    return drafts.map((d) => targets.get(keylessIdentity(workspaceId, d)) ?? null);
  }

  /** Inserts new memories in one statement; returns them in the order given. */
  async insertDrafts({ workspaceId, items, now }: InsertedDrafts): Promise<MemoryRecord[]> {
    if (items.length === 0) return [];
    const values = items.map(
      ({ id, draft, embedded, change }) =>
        sql`(${workspaceId}, ${id}::uuid, ${now}::timestamptz, ${now}::timestamptz, ${draftValues(draft, this.extract)}, ${embeddingValues(embedded)}, ${changeValues(change)})`,
    );
    const inserted = await this.all(
      sql`insert into memories (workspace_id, id, create_time, update_time, ${DRAFT_COLUMNS}, ${EMBEDDING_COLUMNS},
          ${CHANGE_COLUMNS})
        values ${Sql.join(values, ", ")}
        returning ${COLUMNS}`,
    );
    const byId = new Map(inserted.map((r) => [r.id, r]));
    return items.map(({ id }) => {
      const record = byId.get(id);
      if (record === undefined) throw new Error(`memory ${id} was not returned by its insert`);
      return record;
    });
  }

  /**
   * Rewrites every writable field of a memory (revision + 1). New content takes the given
   * vector, or goes back to PENDING for the worker. Null when the draft is what the memory
   * already holds: nothing is written, and no revision made.
   */
  async replace({ target, draft, embedded, now, change }: Replacement): Promise<MemoryRecord | null> {
    const contentChanged = target.content !== draft.content;
    return this.first(
      sql`update memories set (${DRAFT_COLUMNS}) = (select ${draftValues(draft, this.extract)}),
          update_time = ${now}, revision = revision + 1, ${changeAssignments(change)}
          ${contentChanged ? sql`, (${EMBEDDING_COLUMNS}) = (select ${embeddingValues(embedded)})` : sql``}
        where workspace_id = ${target.workspaceId} and id = ${target.id} and ${differsFrom(draft)}
        returning ${COLUMNS}`,
    );
  }

  async findVisible(viewer: Viewer, id: string, options: { forUpdate?: boolean } = {}): Promise<MemoryRecord | null> {
    if (!isUuid(id)) return null;
    return this.first(
      sql`select ${COLUMNS} from memories where id = ${id} and ${visibleTo(viewer)}
        ${Sql.raw(options.forUpdate ? "for update" : "")}`,
    );
  }

  async setDeleted({ target, deleteTime, now, change }: Deletion): Promise<MemoryRecord> {
    return this.only(
      sql`update memories set delete_time = ${deleteTime}, forget_reason = ${change.reason},
          update_time = ${now}, revision = revision + 1, ${changeAssignments(change)}
        where workspace_id = ${target.workspaceId} and id = ${target.id}
        returning ${COLUMNS}`,
    );
  }

  /** A page of ListMemories, bounded in bytes too (contentBoundedPage). */
  async list(viewer: Viewer, q: ListQuery, now: Date): Promise<BoundedRows<MemoryRecord>> {
    const rows = await query<MemoryColumns & BoundedColumns>(
      this.em,
      contentBoundedPage(q, COLUMNS, sql`memories`, filterConditions(viewer, q, now)),
    );
    return boundedRows(rows, toRecord);
  }

  /** The memories with these ids in the viewer's workspace, in the order given. */
  async findMany(viewer: Viewer, ids: string[]): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    const found = await this.all(
      sql`select ${COLUMNS} from memories where id = any(${ids}::uuid[]) and ${visibleTo(viewer)}`,
    );
    const byId = new Map(found.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Which of these ids name memories the viewer may read (the read rule, applied to what a response embeds). */
  async readableIds(viewer: Viewer, ids: readonly string[]): Promise<Set<string>> {
    const candidates = ids.filter(isUuid);
    if (candidates.length === 0) return new Set();
    const rows = await query<{ id: string }>(
      this.em,
      sql`select id from memories where id = any(${candidates}::uuid[]) and ${visibleTo(viewer)}`,
    );
    return new Set(rows.map((r) => r.id));
  }

  private async all(statement: Sql): Promise<MemoryRecord[]> {
    return (await query<MemoryColumns>(this.em, statement)).map(toRecord);
  }

  private async first(statement: Sql): Promise<MemoryRecord | null> {
    return (await this.all(statement))[0] ?? null;
  }

  private async only(statement: Sql): Promise<MemoryRecord> {
    return single(await this.all(statement));
  }
}
