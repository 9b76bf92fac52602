import { contentFacts, type ContentExtraction } from "../../graph/content-mentions.js";
import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { fromSql } from "pgvector";
import { vectorLiteral } from "../../db/vector-literal.js";
import type { Viewer } from "../../auth/principal.js";
import { Sql, query, sql } from "../../db/sql.js";
import {
  DRAFT_COLUMNS,
  DRAFT_FROM_EXCLUDED,
  EMBEDDING_COLUMNS,
  RECORD_COLUMNS,
  draftValues,
  toRecord,
  type MemoryColumns,
} from "../columns.js";
import { CHANGE_COLUMNS, changeValues, type Change } from "../change.js";
import { allOf, atNaturalKey, filterConditions, type FilterQuery } from "../filters.js";
import type { MemoryDraft, MemoryRecord } from "../record.js";
import { boundedRows, contentBounded, type BoundedColumns, type BoundedRows } from "../content-bounded-page.js";
import { MemoryEntity, type MemoryRow, type MentionRow } from "../memory.entity.js";

/** A stored memory with its vector, as export reads it and import writes it. */
export interface TransferredMemory {
  id: string;
  draft: MemoryDraft;
  revision: bigint;
  createTime: Date;
  updateTime: Date;
  deleteTime: Date | null;
  forgetReason: string | null;
  supersededBy: string | null;
  /** The importer, recorded as the change of the revision the import makes. */
  change: Change;
  /** Kept as stored; null leaves the memory PENDING for the embedder. */
  vector: { values: number[]; model: string } | null;
  /** The names its content mentions, as the exporting server resolved them. */
  contentMentions: MentionRow[];
}

export interface ExportQuery extends FilterQuery {
  /** Only the memories this agent owns. */
  ownerAgentId?: string;
  /** Keyset position: rows strictly after this (create_time, id). */
  after?: { createTime: Date; id: string };
  limit: number;
}

export type ImportedAs = "created" | "replaced";

/**
 * Moving memories between servers: export reads every field and the vector in (create_time, id)
 * order; import writes them back as they were, ids, times and revisions included.
 */
export class MemoryTransferRepository extends SqlEntityRepository<MemoryRow> {
  constructor(
    em: EntityManager,
    private readonly extract: ContentExtraction = contentFacts,
  ) {
    super(em, MemoryEntity);
  }

  async page({
    viewer,
    query: q,
    now,
  }: {
    viewer: Viewer;
    query: ExportQuery;
    now: Date;
  }): Promise<BoundedRows<{ record: MemoryRecord; vector: number[] | null }>> {
    const where = exportConditions(viewer, q, now);
    if (q.after) where.push(sql`(create_time, id) > (${q.after.createTime}::timestamptz, ${q.after.id}::uuid)`);
    // Bounded by their contents' bytes too, as a List page is.
    const rows = await query<MemoryColumns & BoundedColumns & { exported_embedding: string | null }>(
      this.em,
      contentBounded(
        sql`${RECORD_COLUMNS}, embedding::text as exported_embedding`,
        sql`memories where ${allOf(where)} order by create_time, id limit ${q.limit}`,
        { order: sql`create_time, id`, content: sql`content` },
      ),
    );
    return boundedRows(rows, (row) => ({
      record: toRecord(row),
      vector: row.exported_embedding === null ? null : (fromSql(row.exported_embedding) as number[]),
    }));
  }

  /**
   * Inserts the memories, or replaces those the workspace holds at a lower revision, in one
   * statement. Returns what happened to each id written; an id left out was not written.
   */
  async store(workspaceId: string, memories: TransferredMemory[]): Promise<Map<string, ImportedAs>> {
    const values = memories.map(
      (m) =>
        sql`(${workspaceId}, ${m.id}::uuid, ${m.createTime}::timestamptz, ${m.updateTime}::timestamptz,
          ${m.deleteTime}::timestamptz, ${m.forgetReason}, ${String(m.revision)}::bigint, ${m.supersededBy}::uuid,
          ${draftValues(m.draft, this.extract, m.contentMentions)}, ${vectorValues(m.vector)}, ${changeValues(m.change)})`,
    );
    const rows = await query<{ id: string; inserted: boolean }>(
      this.em,
      sql`insert into memories as memories (workspace_id, id, create_time, update_time, delete_time, forget_reason,
          revision, superseded_by, ${DRAFT_COLUMNS}, ${EMBEDDING_COLUMNS}, ${CHANGE_COLUMNS})
        values ${Sql.join(values, ", ")}
        on conflict (workspace_id, id) do update set ${DRAFT_FROM_EXCLUDED}, ${Sql.raw(REPLACED_COLUMNS)}
          where memories.revision < excluded.revision
        returning memories.id, (xmax = 0) as inserted`,
    );
    return new Map(rows.map((r) => [r.id, r.inserted ? "created" : "replaced"]));
  }

  /** The id of another memory holding this keyed draft's natural key, if any. */
  async naturalKeyHolder({
    workspaceId,
    id,
    draft,
  }: {
    workspaceId: string;
    /** The memory itself, which holds its own key. */
    id: string;
    draft: MemoryDraft;
  }): Promise<string | null> {
    const rows = await query<{ id: string }>(
      this.em,
      sql`select id from memories where ${atNaturalKey(workspaceId, draft)} and id <> ${id}::uuid`,
    );
    return rows[0]?.id ?? null;
  }
}

const REPLACED_COLUMNS = [
  "create_time",
  "update_time",
  "delete_time",
  "forget_reason",
  "revision",
  "superseded_by",
  "last_change",
  "last_change_key_id",
  "last_change_agent_id",
  "last_change_reason",
  "embedding",
  "embedding_model",
  "embedding_status",
  "embedding_attempts",
  "embedding_retry_time",
]
  .map((c) => `${c} = excluded.${c}`)
  .join(", ");

function exportConditions(viewer: Viewer, q: Omit<ExportQuery, "after" | "limit">, now: Date): Sql[] {
  const where = filterConditions(viewer, q, now);
  if (q.ownerAgentId !== undefined) where.push(sql`agent_id = ${q.ownerAgentId}`);
  return where;
}

/** EMBEDDING_COLUMNS: the exported vector, or PENDING for the embedder's worker. */
function vectorValues(vector: TransferredMemory["vector"]): Sql {
  if (vector === null) return sql`null::vector, null, 'pending', 0, null::timestamptz`;
  return sql`${vectorLiteral(vector.values)}::vector, ${vector.model}, 'attached', 0, null::timestamptz`;
}
