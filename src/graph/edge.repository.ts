import type { EntityManager } from "@mikro-orm/sql";
import { query, Sql, sql } from "../db/sql.js";
import { allOf, mentioning } from "../memory/filters.js";
import type { EntityRef } from "./entity.repository.js";
import type { GraphSource } from "./graph-source.js";
import { CO_MENTIONED, statedBy } from "./stated-relations.js";
import { BOUNDED } from "./tallies/tally-trigger.js";

/** A relation as the source's memories give it: stated (its predicate) or co_mentioned. */
export interface Edge {
  subject: EntityRef;
  predicate: string;
  object: EntityRef;
  /** How many of the source's memories give it. */
  weight: number;
  /** The newest of them, at most EDGE_MEMORY_IDS. */
  memoryIds: string[];
}

export const EDGE_MEMORY_IDS = 5;

/**
 * The memories one step reads at most: the newest that mention any of its entities. An entity
 * named in most of a workspace (a company every note mentions) would otherwise make every step
 * that reaches it read the whole workspace; past this, weights count the newest memories only.
 */
export const MAX_STEP_MEMORIES = 1_000;

type EdgeColumns = {
  subject_type: string;
  subject_id: string;
  predicate: string;
  object_type: string;
  object_id: string;
  weight: number | string;
  memory_ids: string[];
};

/**
 * The relations that touch a set of entities, read from the newest memories of a GraphSource
 * that mention any of them (newestMentioningAny): the relations those memories
 * state (in Memory.relations, or in words in their content) with one end in the set, and co_mentioned between each entity of the set and every
 * other entity the same memory mentions (subject first as given, the other as object).
 */
export class EdgeRepository {
  constructor(readonly em: EntityManager) {}

  /**
   * `boundedOnly`: only from memories whose standing the clock can change (tally-trigger.ts
   * BOUNDED), which the relation tallies leave out: a tallied read adds theirs (tallied-edges.ts).
   */
  async touching(
    source: GraphSource,
    refs: readonly EntityRef[],
    predicates: readonly string[],
    { boundedOnly = false } = {},
  ): Promise<Edge[]> {
    if (refs.length === 0) return [];
    const wanted = (predicate: string) => predicates.length === 0 || predicates.includes(predicate);
    const parts: Sql[] = [];
    if (predicates.length === 0 || predicates.some((p) => p !== CO_MENTIONED)) {
      const stated = predicates.filter((p) => p !== CO_MENTIONED);
      parts.push(sql`select s->>'type' as subject_type, s->>'id' as subject_id, r->>'predicate' as predicate,
          o->>'type' as object_type, o->>'id' as object_id, h.id as memory_id, h.update_time
        from hits h cross join ${Sql.raw(statedBy("h"))}
        where ${stated.length === 0 ? sql`true` : sql`r->>'predicate' = any(${stated}::text[])`}
          and exists (select 1 from refs f where (f.type = s->>'type' and f.id = s->>'id')
            or (f.type = o->>'type' and f.id = o->>'id'))`);
    }
    if (wanted(CO_MENTIONED)) {
      // Each memory's mentions once, the set's among them found by equality (a hash join), not
      // by a containment test of every memory against every entity of the set.
      parts.push(sql`select distinct f.type as subject_type, f.id as subject_id, ${CO_MENTIONED} as predicate,
          x.type as object_type, x.id as object_id, h.id as memory_id, h.update_time
        from hits h cross join lateral jsonb_to_recordset(h.mentions) as y(type text, id text)
        join refs f on f.type = y.type and f.id = y.id
        cross join lateral jsonb_to_recordset(h.mentions) as x(type text, id text)
        where not (x.type = f.type and x.id = f.id)`);
    }
    const rows = await query<EdgeColumns>(
      this.em,
      sql`with refs(type, id) as (select * from unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[])),
        hits as (${newestMentioningAny(source, refs, boundedOnly)}),
        -- Each part names its columns: Citus drops a CTE's column list when it sends the query on.
        given as (${Sql.join(parts, " union ")})
        select subject_type, subject_id, predicate, object_type, object_id, count(distinct memory_id) as weight,
          (array_agg(memory_id::text order by update_time desc, memory_id desc))[1:${EDGE_MEMORY_IDS}] as memory_ids
        from given group by 1, 2, 3, 4, 5
        order by weight desc, 1, 2, 3, 4, 5`,
    );
    return rows.map((row) => ({
      subject: { type: row.subject_type, id: row.subject_id },
      predicate: row.predicate,
      object: { type: row.object_type, id: row.object_id },
      weight: Number(row.weight),
      memoryIds: row.memory_ids,
    }));
  }
}

/**
 * The newest MAX_STEP_MEMORIES of the source's memories that mention any entity of `refs`. In
 * the live table each entity's newest are found from its own entity_names rows, which carry the
 * columns the source's conditions test (decision 0024), and only those memories are read, by
 * key: through the mentions index, every memory of a hub (a company 5,000 notes name) was read
 * and sorted to keep 1,000. A past state is read from the revisions once, and tested as a whole.
 */
function newestMentioningAny(source: GraphSource, refs: readonly EntityRef[], boundedOnly: boolean): Sql {
  const columns = sql`memories.id, memories.update_time, memories.mentions, memories.relations, memories.found_relations`;
  const newest = sql`order by update_time desc, id desc limit ${MAX_STEP_MEMORIES}`;
  if (!source.live) {
    const anyRef = Sql.join(
      refs.map((r) => sql`(${mentioning(r)})`),
      " or ",
    );
    return sql`select ${columns} from ${source.from} where ${allOf([...source.where, sql`(${anyRef})`])} ${newest}`;
  }
  const own = [sql`n.workspace_id = ${source.workspaceId}`, sql`n.type = f.type`, sql`n.id = f.id`];
  if (boundedOnly) own.push(Sql.raw(BOUNDED));
  const ids = sql`select newest.memory_id from refs f cross join lateral (
      select n.memory_id, n.update_time from entity_names n where ${allOf([...own, ...source.names])}
      order by n.update_time desc, n.memory_id desc limit ${MAX_STEP_MEMORIES}) newest
    group by newest.memory_id order by max(newest.update_time) desc, newest.memory_id desc limit ${MAX_STEP_MEMORIES}`;
  // The memory's own conditions again: its rows say the same, and tenancy never rests on a copy alone.
  const keyed = [sql`memories.workspace_id = ${source.workspaceId}`, sql`memories.id = any(array(${ids}))`];
  return sql`select ${columns} from ${source.from} where ${allOf([...keyed, ...source.where])} ${newest}`;
}
