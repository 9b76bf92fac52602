import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { query, sql, type Sql } from "../db/sql.js";
import { toStoredRevision, type RevisionColumns, type StoredRevision } from "../history/revision.repository.js";
import { RECORD_COLUMNS } from "../memory/columns.js";
import { allOf, filterConditions, type FilterQuery } from "../memory/filters.js";
import { MemoryChangeEntity, type MemoryChangeRow } from "./memory-change.entity.js";

/** Serialises the sequencers of every server on the database (any constant no other lock uses). */
const SEQUENCER_LOCK = 7_311_882_650_001n;

export interface FeedHead {
  /** The last position given in the workspace (0 before its first change). */
  last: bigint;
  /** Positions up to this one may have been purged. */
  purgedThrough: bigint;
}

/** Each workspace's last position, after a numbering. */
export type FeedHeads = ReadonlyMap<string, bigint>;

/** A change as the feed delivers it: its position, and the revision it recorded. */
export interface LoggedChange extends StoredRevision {
  position: bigint;
}

/** The change log: numbering it in commit order, reading it through a viewer's eyes, purging it. */
export class ChangeLogRepository extends SqlEntityRepository<MemoryChangeRow> {
  constructor(em: EntityManager) {
    super(em, MemoryChangeEntity);
  }

  /**
   * Numbers up to `limit` committed, unnumbered changes, per workspace, in the order they were
   * recorded. Where several servers share the log, sequencers take turns (an advisory lock,
   * then a statement whose snapshot follows the last turn's commit) and the workspaces' new
   * heads are announced (the NOTIFY `announce` makes, delivered when the turn commits); alone
   * on its database, one statement is the whole turn. Either way a row committed after this
   * turn's snapshot gets a later number from the next turn, so positions follow commit order
   * and a reader of positions up to a head misses none.
   */
  async sequence(
    limit: number,
    turns: { shared: boolean; announce: (heads: FeedHeads) => Sql | null },
  ): Promise<{ numbered: number; heads: FeedHeads }> {
    if (!turns.shared) return number(this.em, limit);
    return this.em.transactional(async (tem) => {
      await query(tem, sql`select pg_advisory_xact_lock(${String(SEQUENCER_LOCK)}::bigint)`);
      const numbered = await number(tem, limit);
      const notification = numbered.heads.size > 0 ? turns.announce(numbered.heads) : null;
      if (notification !== null) await query(tem, notification);
      return numbered;
    });
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
   * change left it; a change whose memory was purged since is gone with its revision.
   */
  async changes(viewer: Viewer, range: { after: bigint; upto: bigint }, q: FilterQuery, limit: number) {
    const rows = await query<RevisionColumns & { position: string | bigint }>(
      this.em,
      sql`select f.position, f.change, f.change_time, f.change_key_id, f.change_agent_id, f.change_reason,
          ${RECORD_COLUMNS}
        from (
          select c.position, r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
            r.reason as change_reason, r.memory as snapshot
          from memory_changes c join memory_revisions r
            on r.workspace_id = c.workspace_id and r.memory_id = c.memory_id and r.revision = c.revision
          where c.workspace_id = ${viewer.workspaceId}
            and c.position > ${String(range.after)}::bigint and c.position <= ${String(range.upto)}::bigint
        ) as f cross join lateral jsonb_populate_record(null::memories, f.snapshot) as memories
        where ${allOf(feedConditions(viewer, q))}
        order by f.position limit ${limit}`,
    );
    return rows.map((row): LoggedChange => ({ ...toStoredRevision(row), position: BigInt(row.position) }));
  }

  /** Purges up to `limit` numbered changes logged before `cutoff`, and moves each workspace's horizon past them. */
  async purge(cutoff: Date, limit: number): Promise<number> {
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

/** One numbering statement: positions after each workspace's head, and the new heads. */
async function number(em: EntityManager, limit: number): Promise<{ numbered: number; heads: FeedHeads }> {
  const rows = await query<{ workspace_id: string; last_position: string | bigint; numbered: number }>(
    em,
    sql`with pending as (
        select id, workspace_id from memory_changes where position is null order by id limit ${limit}),
      numbered as (
        select p.id, p.workspace_id, coalesce(h.last_position, 0)
          + row_number() over (partition by p.workspace_id order by p.id) as position
        from pending p left join memory_feed_heads h on h.workspace_id = p.workspace_id),
      sequenced as (
        update memory_changes c set position = n.position from numbered n
        where c.id = n.id and c.position is null returning c.id),
      heads as (
        insert into memory_feed_heads (workspace_id, last_position)
        select workspace_id, max(position) from numbered group by workspace_id
        on conflict (workspace_id) do update set last_position = excluded.last_position
        returning workspace_id, last_position)
      select workspace_id, last_position, (select count(*)::int from sequenced) as numbered from heads`,
  );
  const heads: FeedHeads = new Map(rows.map((r) => [r.workspace_id, BigInt(r.last_position)]));
  return { numbered: rows[0]?.numbered ?? 0, heads };
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
  return where;
}
