import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { query, Sql, sql } from "../db/sql.js";
import { ACTIVE_MEMORIES, allOf, filterConditions } from "../memory/filters.js";
import type { ErasureSelection } from "./erasure-selection.js";

/** Rows erased, or to be erased, from each store. */
export interface StoreCounts {
  memories: number;
  revisions: number;
  changes: number;
  stagedWrites: number;
  writeRequests: number;
  mentions: number;
  entities: number;
  entityMerges: number;
}

/** Each entity a memory's mentions name, as the entity_names rows give it, and each a merge moved it from. */
const mentionedRefs = (mentions: Sql): Sql => sql`(
  select distinct x.type, x.id from jsonb_array_elements(${mentions}) e,
    lateral (values (e->>'type', e->>'id'), (e->'from'->>'type', e->'from'->>'id')) as x(type, id)
  where x.type is not null)`;

/** One entity_names row per memory of `gone` and entity its mentions name (mention-trigger.ts). */
const MENTION_COUNT = sql`(select count(*) from gone,
  lateral (select distinct m->>'type', m->>'id' from jsonb_array_elements(gone.mentions) m) d)`;

/**
 * The statements of an erasure: which memories a selection takes, what erasing them would remove
 * from each store, and the erasure of one batch, which the caller runs in one transaction.
 */
export class ErasureRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The first `limit` memories, by id after `after`, that the selection takes and the viewer may
   * erase: the memories a viewer may change (src/auth/visibility.ts), in every state.
   */
  async selected(
    viewer: Viewer,
    selection: ErasureSelection,
    { now, after, limit }: { now: Date; after: string | null; limit: number },
  ): Promise<string[]> {
    const where = selectionConditions(viewer, selection, now);
    if (after !== null) where.push(sql`memories.id > ${after}::uuid`);
    const rows = await query<{ id: string }>(
      this.em,
      sql`select memories.id from memories where ${allOf(where)} order by memories.id limit ${limit}`,
    );
    return rows.map((r) => r.id);
  }

  /** How many memories the selection takes that the viewer may erase. */
  async countSelected(viewer: Viewer, selection: ErasureSelection, now: Date): Promise<number> {
    const rows = await query<{ n: string | number }>(
      this.em,
      sql`select count(*) as n from memories where ${allOf(selectionConditions(viewer, selection, now))}`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Of these ids, the memories the viewer may read, with their owners (to check it may change them). */
  async readable(viewer: Viewer, ids: readonly string[]): Promise<{ id: string; agentId: string | null }[]> {
    const rows = await query<{ id: string; agent_id: string | null }>(
      this.em,
      sql`select memories.id, memories.agent_id from memories
        where ${allOf(filterConditions(viewer, { ...ACTIVE_MEMORIES, ...EVERY_STATE }, new Date()))}
          and memories.id = any(${ids}::uuid[])`,
    );
    return rows.map((r) => ({ id: r.id, agentId: r.agent_id }));
  }

  /** What erasing these memories would remove, store by store (a batch's, before it goes). */
  async counts(workspaceId: string, ids: readonly string[]): Promise<StoreCounts> {
    return this.countsOf(workspaceId, sql`select unnest(${ids}::uuid[]) as id`);
  }

  /**
   * What erasing everything the selection takes would remove (a dry run): one statement over the
   * whole selection, so that a staged write or a response naming memories of several batches, or
   * an entity only they mention, is counted once, and no list of ids is held.
   */
  async countSelection(viewer: Viewer, selection: ErasureSelection, now: Date): Promise<StoreCounts> {
    const chosen = sql`select memories.id from memories where ${allOf(selectionConditions(viewer, selection, now))}`;
    return this.countsOf(viewer.workspaceId, chosen);
  }

  private async countsOf(workspaceId: string, chosen: Sql): Promise<StoreCounts> {
    const leaving = sql`(select id from gone)`;
    const named = sql`(select coalesce(array_agg(id), '{}') from gone)`;
    const rows = await query<Record<string, string | number>>(
      this.em,
      sql`with gone as materialized (select id, mentions from memories
          where workspace_id = ${workspaceId} and id in (${chosen})),
        refs as (select distinct r.type, r.id from gone, lateral ${mentionedRefs(sql`gone.mentions`)} r)
        select (select count(*) from gone) as memories,
          (select count(*) from memory_revisions where workspace_id = ${workspaceId} and memory_id in ${leaving}) as revisions,
          (select count(*) from memory_changes where workspace_id = ${workspaceId} and memory_id in ${leaving}) as changes,
          (select count(*) from staged_writes where workspace_id = ${workspaceId} and memory_ids && ${named}) as staged_writes,
          (select count(*) from write_requests where workspace_id = ${workspaceId} and memory_ids && ${named}) as write_requests,
          ${MENTION_COUNT} as mentions,
          (select count(*) from entities e join refs on e.type = refs.type and e.id = refs.id
            where e.workspace_id = ${workspaceId} and ${unmentioned(workspaceId, "e", leaving)}) as entities,
          (select count(*) from entity_merges g join refs on g.into_type = refs.type and g.into_id = refs.id
            where g.workspace_id = ${workspaceId} and ${unmentioned(workspaceId, "g", leaving, "into_")}) as entity_merges`,
    );
    return countsOf(rows[0] ?? {});
  }

  /**
   * Erases one batch: the memories (their entity_names rows go with them, by trigger), their
   * revisions and change-log entries (a tombstone each in their place), the staged writes and
   * recorded responses naming them, and the named entities and merges left unmentioned; each
   * store's count is what its own delete removed.
   */
  async eraseBatch(workspaceId: string, ids: readonly string[]): Promise<{ counts: StoreCounts; erased: string[] }> {
    const batch = sql`(select unnest(${ids}::uuid[]))`;
    const removed = (cte: string) => sql`(select count(*) from ${Sql.raw(cte)})`;
    const rows = await query<Record<string, string | number> & { ids: string[] }>(
      this.em,
      sql`with refs as (
          select distinct r.type, r.id from memories m, lateral ${mentionedRefs(sql`m.mentions`)} r
          where m.workspace_id = ${workspaceId} and m.id = any(${ids}::uuid[])),
        gone as (delete from memories where workspace_id = ${workspaceId} and id = any(${ids}::uuid[])
          returning id, agent_id, visibility, mentions),
        revisions as (delete from memory_revisions where workspace_id = ${workspaceId} and memory_id = any(${ids}::uuid[])
          returning 1),
        changes as (delete from memory_changes where workspace_id = ${workspaceId} and memory_id = any(${ids}::uuid[])
          returning 1),
        tombstones as (insert into memory_changes (workspace_id, memory_id, revision, erased, agent_id, visibility)
          select ${workspaceId}, id, 0, true, agent_id, visibility from gone),
        staged as (delete from staged_writes where workspace_id = ${workspaceId} and memory_ids && ${ids}::uuid[]
          returning 1),
        requests as (delete from write_requests where workspace_id = ${workspaceId} and memory_ids && ${ids}::uuid[]
          returning 1),
        entities as (delete from entities e using refs where e.workspace_id = ${workspaceId}
          and e.type = refs.type and e.id = refs.id and ${unmentioned(workspaceId, "e", batch)} returning 1),
        merges as (delete from entity_merges g using refs where g.workspace_id = ${workspaceId}
          and g.into_type = refs.type and g.into_id = refs.id and ${unmentioned(workspaceId, "g", batch, "into_")}
          returning 1)
        select (select coalesce(array_agg(id::text), '{}') from gone) as ids, ${removed("gone")} as memories,
          ${removed("revisions")} as revisions, ${removed("changes")} as changes, ${removed("staged")} as staged_writes,
          ${removed("requests")} as write_requests, ${removed("entities")} as entities, ${removed("merges")} as entity_merges,
          ${MENTION_COUNT} as mentions`,
    );
    const row = rows[0];
    return { counts: countsOf(row ?? {}), erased: row?.ids ?? [] };
  }
}

/** The memories a selection takes, as conditions on `memories`, for a viewer erasing them. */
function selectionConditions(viewer: Viewer, selection: ErasureSelection, now: Date): Sql[] {
  const where = filterConditions(viewer, { ...selection.filter, ...EVERY_STATE }, now);
  // Only what the viewer may change: an admin anything, an agent its own (src/auth/visibility.ts).
  if (!viewer.admin) where.push(viewer.agentId === null ? sql`false` : sql`memories.agent_id = ${viewer.agentId}`);
  if (selection.ownerAgentId !== undefined) where.push(sql`memories.agent_id = ${selection.ownerAgentId}`);
  if (selection.createdAfter !== undefined) where.push(sql`memories.create_time >= ${selection.createdAfter}`);
  if (selection.createdBefore !== undefined) where.push(sql`memories.create_time < ${selection.createdBefore}`);
  return where;
}

const EVERY_STATE = { showDeleted: true, showExpired: true, includeSuperseded: true } as const;

/**
 * No memory but those `leaving` (a set of ids) mentions the entity `row` names (as
 * `<prefix>type`, `<prefix>id`): the entity_names rows are read before those memories go.
 */
function unmentioned(workspaceId: string, row: string, leaving: Sql, prefix = ""): Sql {
  const column = (name: string) => Sql.raw(`${row}.${prefix}${name}`);
  return sql`not exists (select 1 from entity_names n where n.workspace_id = ${workspaceId}
    and n.type = ${column("type")} and n.id = ${column("id")} and n.memory_id not in ${leaving})`;
}

function countsOf(row: Record<string, string | number>): StoreCounts {
  const n = (key: string) => Number(row[key] ?? 0);
  return {
    memories: n("memories"),
    revisions: n("revisions"),
    changes: n("changes"),
    stagedWrites: n("staged_writes"),
    writeRequests: n("write_requests"),
    mentions: n("mentions"),
    entities: n("entities"),
    entityMerges: n("entity_merges"),
  };
}
