import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { visibleTo } from "../auth/visibility.js";
import { query, sql, Sql } from "../db/sql.js";
import { isUuid } from "../ids.js";
import type { ChangeKind } from "../memory/change.js";
import { RECORD_COLUMNS, toRecord, type MemoryColumns } from "../memory/columns.js";
import {
  boundedRows,
  contentBounded,
  contentBoundedPage,
  type BoundedColumns,
  type BoundedRows,
} from "../memory/content-bounded-page.js";
import { filterConditions, type ListQuery } from "../memory/filters.js";
import type { MemoryRecord } from "../memory/record.js";
import { MemoryRevisionEntity, type MemoryRevisionRow } from "./memory-revision.entity.js";

/** One revision: the change, and the memory as it left it. */
export interface StoredRevision {
  change: ChangeKind;
  changeTime: Date;
  keyId: string | null;
  agentId: string | null;
  reason: string | null;
  record: MemoryRecord;
}

/** A revision's snapshot as a `memories` row, under that name, so that memory SQL reads it unchanged. */
const AS_MEMORY = sql`cross join lateral jsonb_populate_record(null::memories, r.memory) as memories`;
export const REVISION_COLUMNS = sql`r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
  r.reason as change_reason, ${RECORD_COLUMNS}`;

/**
 * Reads of memory history. History is visible to whoever may read the memory now (the read
 * rule of GetMemory, on the current row), and each revision only to whoever could read the
 * memory as that revision left it: a memory made shared keeps its private past to its owner.
 */
export class MemoryRevisionRepository extends SqlEntityRepository<MemoryRevisionRow> {
  constructor(em: EntityManager) {
    super(em, MemoryRevisionEntity);
  }

  /**
   * Revisions of a memory the viewer may read, newest first, below `before` when given; gaps
   * where it could not. At most `limit`, and fewer where their contents reach PAGE_BYTES
   * (contentBounded).
   */
  async page({ viewer, id, before, limit }: RevisionPage): Promise<BoundedRows<StoredRevision>> {
    if (!isUuid(id)) return { rows: [], cut: false };
    const rows = await query<RevisionColumns & BoundedColumns>(
      this.em,
      contentBounded(
        sql`${REVISION_COLUMNS}, r.revision as page_revision`,
        sql`memory_revisions r ${AS_MEMORY}
          where r.workspace_id = ${viewer.workspaceId} and r.memory_id = ${id}::uuid
            and ${before === null ? sql`true` : sql`r.revision < ${String(before)}::bigint`}
            and ${visibleTo(viewer)} and ${readableNow(viewer, sql`r.memory_id`)}
          order by r.revision desc limit ${limit}`,
        { order: sql`page_revision desc`, content: sql`content` },
      ),
    );
    return boundedRows(rows, toStoredRevision);
  }

  /** The memory as it was at `asOf`: its last revision by then, if the viewer may read it then and now. */
  async at({ viewer, id, asOf }: { viewer: Viewer; id: string; asOf: Date }): Promise<MemoryRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await query<MemoryColumns>(
      this.em,
      sql`select ${RECORD_COLUMNS} from (
          select r.memory from memory_revisions r
          where r.workspace_id = ${viewer.workspaceId} and r.memory_id = ${id}::uuid and r.change_time <= ${asOf}
          order by r.revision desc limit 1) as r ${AS_MEMORY}
        where ${visibleTo(viewer)} and ${readableNow(viewer, sql`memories.id`)}`,
    );
    const row = rows[0];
    return row === undefined ? null : toRecord(row);
  }

  /** Every revision of these memories the viewer could read as it left them, by memory id, newest first (for export). */
  async ofMemories(viewer: Viewer, ids: readonly string[]): Promise<StoredRevision[]> {
    if (ids.length === 0) return [];
    const rows = await query<RevisionColumns>(
      this.em,
      sql`select ${REVISION_COLUMNS} from memory_revisions r ${AS_MEMORY}
        where r.workspace_id = ${viewer.workspaceId} and r.memory_id = any(${ids}::uuid[]) and ${visibleTo(viewer)}
        order by r.memory_id, r.revision desc`,
    );
    return rows.map(toStoredRevision);
  }

  /** Writes imported revisions, each over the one of its number the import itself recorded. */
  async store(workspaceId: string, revisions: readonly RevisionToStore[]): Promise<void> {
    if (revisions.length === 0) return;
    const values = revisions.map(
      (r) =>
        sql`(${workspaceId}, ${r.memoryId}::uuid, ${String(r.revision)}::bigint, ${r.change}, ${r.changeTime}::timestamptz,
          ${r.keyId}, ${r.agentId}, ${r.reason}, ${JSON.stringify(r.snapshot)}::jsonb)`,
    );
    await query(
      this.em,
      sql`insert into memory_revisions (workspace_id, memory_id, revision, change, change_time, key_id, agent_id,
          reason, memory)
        values ${Sql.join(values, ", ")}
        on conflict (workspace_id, memory_id, revision) do update set change = excluded.change,
          change_time = excluded.change_time, key_id = excluded.key_id, agent_id = excluded.agent_id,
          reason = excluded.reason, memory = excluded.memory`,
    );
  }

  /**
   * ListMemories as it was at `asOf`: each memory's last revision by then, filtered and paged
   * like the live list (state judged at `asOf`). Reads every revision of the workspace up to
   * then: an audit read, not a hot path.
   */
  async list({
    viewer,
    query: q,
    asOf,
  }: {
    viewer: Viewer;
    query: ListQuery;
    asOf: Date;
  }): Promise<BoundedRows<MemoryRecord>> {
    const rows = await query<MemoryColumns & BoundedColumns>(
      this.em,
      contentBoundedPage(
        q,
        RECORD_COLUMNS,
        sql`(select distinct on (r.memory_id) r.memory from memory_revisions r
          where r.workspace_id = ${viewer.workspaceId} and r.change_time <= ${asOf}
          order by r.memory_id, r.revision desc) as r ${AS_MEMORY}`,
        [...filterConditions(viewer, q, asOf), readableNow(viewer, sql`memories.id`)],
      ),
    );
    return boundedRows(rows, toRecord);
  }
}

/** A page of a memory's revisions: newest first, below `before` when given. */
export interface RevisionPage {
  viewer: Viewer;
  id: string;
  before: bigint | null;
  limit: number;
}

/** A revision as import writes it: the memory as it was, keyed by column name (columns.ts snapshotOf). */
export interface RevisionToStore {
  memoryId: string;
  revision: bigint;
  change: ChangeKind;
  changeTime: Date;
  keyId: string | null;
  agentId: string | null;
  reason: string | null;
  snapshot: Record<string, unknown>;
}

/** The memory with this id is there now, and the viewer may read it. */
export function readableNow(viewer: Viewer, id: Sql): Sql {
  return sql`exists (select 1 from memories live where live.id = ${id} and ${visibleTo(viewer, "live")})`;
}

export type RevisionColumns = MemoryColumns & {
  change: ChangeKind;
  change_time: Date | string;
  change_key_id: string | null;
  change_agent_id: string | null;
  change_reason: string | null;
};

export function toStoredRevision(row: RevisionColumns): StoredRevision {
  return {
    change: row.change,
    changeTime: row.change_time instanceof Date ? row.change_time : new Date(row.change_time),
    keyId: row.change_key_id,
    agentId: row.change_agent_id,
    reason: row.change_reason,
    record: toRecord(row),
  };
}
