import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { query, sql, type Sql } from "../db/sql.js";
import {
  readableNow,
  toStoredRevision,
  type RevisionColumns,
  type StoredRevision,
} from "../history/revision.repository.js";
import { RECORD_COLUMNS } from "../memory/columns.js";
import { allOf, filterConditions, type FilterQuery } from "../memory/filters.js";
import { MemoryChangeEntity, type MemoryChangeRow } from "./memory-change.entity.js";

export interface FeedHead {
  /** The last position given in the workspace (0 before its first change). */
  last: bigint;
  /** Positions up to this one may have been purged. */
  purgedThrough: bigint;
}

/** A page of the log as one statement saw it, with the workspace's purge horizon at that moment. */
export interface LogPage {
  changes: LoggedChange[];
  /** Positions up to this one may have been purged (FeedHead's). */
  purgedThrough: bigint;
}

/** The changes asked for: in (after, upto], through a viewer's eyes, matching the filter, at most `limit`. */
export interface LogRange {
  viewer: Viewer;
  range: { after: bigint; upto: bigint };
  filter: FilterQuery;
  limit: number;
}

/** Each workspace's last position, after a numbering. */
export type FeedHeads = ReadonlyMap<string, bigint>;

/** A change as the feed delivers it: the revision it recorded, or an erasure's tombstone. */
export type LoggedChange = RecordedChange | ErasedChange;

/** A change with its position, and the revision it recorded. */
export interface RecordedChange extends StoredRevision {
  position: bigint;
  erased?: undefined;
}

/** An erased memory's tombstone: its id, when it was erased, and nothing else. */
export interface ErasedChange {
  position: bigint;
  erased: { memoryId: string; time: Date };
}

/** The change log: numbering it in commit order, reading it through a viewer's eyes, purging it. */
export class ChangeLogRepository extends SqlEntityRepository<MemoryChangeRow> {
  constructor(em: EntityManager) {
    super(em, MemoryChangeEntity);
  }

  /**
   * One numbering turn (engram_sequence_changes, sequence-changes.routine.ts): up to `limit`
   * changes numbered in commit order, announced to the other servers as `announceAs` when given.
   */
  async sequence({
    limit,
    announceAs,
  }: {
    limit: number;
    announceAs: string | null;
  }): Promise<{ numbered: number; heads: FeedHeads }> {
    const rows = await query<{ result: { numbered: number; heads: [string, string][] } }>(
      this.em,
      sql`select engram_sequence_changes(${limit}::integer, ${announceAs}::text) as result`,
    );
    const result = rows[0]?.result ?? { numbered: 0, heads: [] };
    return { numbered: result.numbered, heads: new Map(result.heads.map(([ws, head]) => [ws, BigInt(head)])) };
  }

  /** Whether any committed change waits for its number. */
  async hasUnsequenced(): Promise<boolean> {
    const rows = await query<{ pending: boolean }>(
      this.em,
      sql`select exists (select 1 from memory_changes where position is null) as pending`,
    );
    return rows[0]?.pending === true;
  }

  async head(workspaceId: string): Promise<FeedHead> {
    const rows = await query<{ last_position: string | bigint; purged_through: string | bigint }>(
      this.em,
      sql`select last_position, purged_through from memory_feed_heads where workspace_id = ${workspaceId}`,
    );
    const row = rows[0];
    return row === undefined
      ? { last: 0n, purgedThrough: 0n }
      : { last: BigInt(row.last_position), purgedThrough: BigInt(row.purged_through) };
  }

  /**
   * The changes in (after, upto] that the viewer may read and that match `conditions` (see
   * feedConditions), in position order, at most `limit`. Each is judged on the memory as the
   * change left it, and on the memory as it is now for whether the viewer may still read it; a
   * change whose memory was purged since is gone with its revision. With the workspace's purge
   * horizon as the same statement saw it: when it is past `after`, the page may lack changes.
   */
  async changes({ viewer, range, filter: q, limit }: LogRange): Promise<LogPage> {
    const positions = sql`c.position > ${String(range.after)}::bigint and c.position <= ${String(range.upto)}::bigint`;
    const rows = await query<
      RevisionColumns & { position: string | bigint | null; purged_through: string | bigint; erased_id: string | null }
    >(
      this.em,
      sql`with page as ((
          select f.position, f.change, f.change_time, f.change_key_id, f.change_agent_id, f.change_reason,
            ${RECORD_COLUMNS}, null::uuid as erased_id
          from (
            select c.position, r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
              r.reason as change_reason, r.memory as snapshot
            from memory_changes c join memory_revisions r
              on r.workspace_id = c.workspace_id and r.memory_id = c.memory_id and r.revision = c.revision
            where c.workspace_id = ${viewer.workspaceId} and ${positions}
          ) as f cross join lateral jsonb_populate_record(null::memories, f.snapshot) as memories
          where ${allOf(feedConditions(viewer, q))}
          order by f.position limit ${limit}
        ) union all (
          -- Tombstones, to whoever could read the memory, whatever their filter: what it matched is erased.
          select c.position, 'erased', c.log_time, null, null, null, ${RECORD_COLUMNS}, c.memory_id
          from memory_changes c cross join lateral jsonb_populate_record(null::memories, null) as memories
          where c.workspace_id = ${viewer.workspaceId} and ${positions} and c.erased
            and ${viewer.admin ? sql`true` : sql`(c.visibility = 'shared' or c.agent_id is null or c.agent_id = ${viewer.agentId})`}
          order by c.position limit ${limit}))
        select h.purged_through, page.*
        from (select coalesce(max(purged_through), 0) as purged_through
          from memory_feed_heads where workspace_id = ${viewer.workspaceId}) as h
        left join page on true
        order by page.position limit ${limit}`,
    );
    return { purgedThrough: BigInt(rows[0]?.purged_through ?? 0), changes: rows.flatMap(loggedChange) };
  }

  /** Purges up to `limit` numbered changes logged before `cutoff`, and moves each workspace's horizon past them. */
  async purge({ cutoff, limit }: { cutoff: Date; limit: number }): Promise<number> {
    const rows = await query<{ purged: number }>(
      this.em,
      sql`with doomed as (
          select id from memory_changes where log_time < ${cutoff} and position is not null order by id limit ${limit}),
        purged as (
          delete from memory_changes c using doomed d where c.id = d.id returning c.workspace_id, c.position),
        horizons as (
          update memory_feed_heads h set purged_through = greatest(h.purged_through, p.top)
          from (select workspace_id, max(position) as top from purged group by workspace_id) p
          where h.workspace_id = p.workspace_id)
        select count(*)::int as purged from purged`,
    );
    return rows[0]?.purged ?? 0;
  }
}

function loggedChange(
  row: RevisionColumns & { position: string | bigint | null; erased_id: string | null },
): LoggedChange[] {
  if (row.position === null) return [];
  const position = BigInt(row.position);
  if (row.erased_id === null) return [{ ...toStoredRevision(row), position }];
  const time = row.change_time instanceof Date ? row.change_time : new Date(row.change_time);
  return [{ position, erased: { memoryId: row.erased_id, time } }];
}

/**
 * The filter as the feed applies it: on the memory after each change, with the state options
 * read as "and changes to memories in that state". The change that deletes, expires or
 * supersedes a memory is news to anyone following it, so it is delivered whatever they say.
 */
function feedConditions(viewer: Viewer, q: FilterQuery): Sql[] {
  const everyState = { ...q, showDeleted: true, showExpired: true, includeSuperseded: true };
  const where = filterConditions(viewer, everyState, new Date());
  if (!q.showDeleted) where.push(sql`(delete_time is null or f.change = 'deleted')`);
  if (!q.showExpired) where.push(sql`(expire_time is null or expire_time > f.change_time or f.change = 'expired')`);
  if (!q.includeSuperseded) where.push(sql`(superseded_by is null or f.change = 'superseded')`);
  // As for history: a memory the viewer may no longer read (made private since) is not replayed.
  where.push(readableNow(viewer, sql`memories.id`));
  return where;
}
