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

/** A memory's entity_names rows: one per entity its `mentions` name (mention-trigger.ts). */
const mentionCount = (mentions: Sql): Sql =>
  sql`(select count(*) from (select distinct m->>'type', m->>'id' from jsonb_array_elements(${mentions}) m) d)`;

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
          (select coalesce(sum(${mentionCount(sql`gone.mentions`)}), 0) from gone) as mentions,
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
   * store's count is what its own delete removed. One statement per store, in the caller's
   * transaction: Citus runs each on the workspace's shard, where one statement of many
   * data-modifying CTEs is split up and planned wrongly.
   */
  async eraseBatch(workspaceId: string, ids: readonly string[]): Promise<{ counts: StoreCounts; erased: string[] }> {
    const batch = sql`(select unnest(${ids}::uuid[]))`;
    const inBatch = (column: string) => sql`workspace_id = ${workspaceId} and ${Sql.raw(column)} = any(${ids}::uuid[])`;
    const named = sql`workspace_id = ${workspaceId} and memory_ids && ${ids}::uuid[]`;
    const deleted = async (statement: Sql) => (await query(this.em, statement)).length;
    // The entities the batch names, read before its memories go.
    const refs = await query<{ type: string; id: string }>(
      this.em,
      sql`select distinct r.type, r.id from memories m, lateral ${mentionedRefs(sql`m.mentions`)} r
        where m.workspace_id = ${workspaceId} and m.id = any(${ids}::uuid[])`,
    );
    const gone = await query<{ id: string; agent_id: string | null; visibility: string; mentions: number | string }>(
      this.em,
      sql`delete from memories where ${inBatch("id")}
        returning id, agent_id, visibility, ${mentionCount(sql`mentions`)} as mentions`,
    );
    const revisions = await deleted(sql`delete from memory_revisions where ${inBatch("memory_id")} returning 1`);
    const changes = await deleted(sql`delete from memory_changes where ${inBatch("memory_id")} returning 1`);
    if (gone.length > 0) {
      await query(
        this.em,
        sql`insert into memory_changes (workspace_id, memory_id, revision, erased, agent_id, visibility)
          select ${workspaceId}, g.id, 0, true, g.agent_id, g.visibility
          from unnest(${gone.map((g) => g.id)}::uuid[], ${gone.map((g) => g.agent_id)}::text[],
            ${gone.map((g) => g.visibility)}::text[]) as g(id, agent_id, visibility)`,
      );
    }
    const refsOf = sql`(select * from unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[]))`;
    const entities = await deleted(
      sql`delete from entities e where e.workspace_id = ${workspaceId} and (e.type, e.id) in ${refsOf}
        and ${unmentioned(workspaceId, "e", batch)} returning 1`,
    );
    const merges = await deleted(
      sql`delete from entity_merges g where g.workspace_id = ${workspaceId} and (g.into_type, g.into_id) in ${refsOf}
        and ${unmentioned(workspaceId, "g", batch, "into_")} returning 1`,
    );
    const counts: StoreCounts = {
      memories: gone.length,
      revisions,
      changes,
      stagedWrites: await deleted(sql`delete from staged_writes where ${named} returning 1`),
      writeRequests: await deleted(sql`delete from write_requests where ${named} returning 1`),
      mentions: gone.reduce((sum, g) => sum + Number(g.mentions), 0),
      entities,
      entityMerges: merges,
    };
    return { counts, erased: gone.map((g) => g.id) };
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
