import { allOf } from "../filters.js";
import { sql, Sql } from "../../db/sql.js";

/**
 * The graph-aware part of HYBRID's statement (decision 0026): the entities the query names, their
 * neighbours, and the memories mentioning either, read through the search's own filters and
 * visibility, so an entity or a relation only another agent's private memories give brings
 * nothing. Each step reads at most MAX_ENTITY_MEMORIES + 1 memories an entity, found by the ids
 * in entity_names' index, whatever the workspace's size.
 */

/** Entities one query names at most (a name can be many entities' name: "Paris" the city and the person). */
export const MAX_NAMED = 16;

/** Neighbours followed at most: the entities most of the named entities' memories also mention. */
export const MAX_NEIGHBOURS = 8;

/**
 * The most memories an entity may be mentioned by, of those searched, and still tell them apart:
 * an entity more of them mention (the person a conversation is with, a company most notes name)
 * is a hub, neither followed nor raised; naming it is what the entity bonus (decision 0009) is for.
 */
export const MAX_ENTITY_MEMORIES = 30;

/** How a search's graph part reads: whose names, through which memories. */
export interface GraphValues {
  workspaceId: string;
  /** The query's name keys (queryNameKeys). */
  keys: string[];
  /** The search's filters and visibility (filterConditions). */
  filters: Sql[];
}

/**
 * The memories passing the filters that mention an entity of column `type`, `id` of `table`: at
 * most `limit` of them, by the primary key from the ids entity_names holds for the entity. Written
 * so that the rows are read from the entity's names, never by a scan of the workspace's memories
 * tested against them (what the planner chose for a join or a semi-join).
 */
function mentioningMemories(filters: Sql[], workspaceId: string, table: string, limit: number, columns: Sql): Sql {
  const t = Sql.raw(table);
  return sql`select ${columns} from memories where ${allOf([
    sql`memories.workspace_id = ${workspaceId}`,
    sql`memories.id = any(array(select n.memory_id from entity_names n
      where n.workspace_id = ${workspaceId} and n.type = ${t}.type and n.id = ${t}.id))`,
    ...filters,
  ])} limit ${limit}`;
}

/** The memories of the step's entities (at most MAX_ENTITY_MEMORIES each: they are no hubs), each once. */
function mentioningStep(filters: Sql[], workspaceId: string, entities: string): Sql {
  const memories = mentioningMemories(
    filters,
    workspaceId,
    "f",
    MAX_ENTITY_MEMORIES,
    sql`memories.id, memories.mentions`,
  );
  return sql`select distinct on (m.id) m.id, m.mentions from ${Sql.raw(entities)} f cross join lateral (${memories}) m
      order by m.id`;
}

/**
 * The entities of the `entities` CTE that at least one and at most MAX_ENTITY_MEMORIES of the
 * memories passing the filters mention: one no such memory mentions does not exist for the
 * reader, and one more mention is a hub. At most MAX_ENTITY_MEMORIES + 1 are read for each.
 * `first` orders and limits them.
 */
function specific(filters: Sql[], workspaceId: string, entities: string, first: Sql): Sql {
  const counted = mentioningMemories(filters, workspaceId, "f", MAX_ENTITY_MEMORIES + 1, sql`1`);
  // Counted once, in a lateral: a subquery in BETWEEN is run once for each bound.
  return sql`select f.type, f.id from ${Sql.raw(entities)} f
      cross join lateral (select count(*) as memories from (${counted}) mentioning) counted
      where counted.memories between 1 and ${MAX_ENTITY_MEMORIES} ${first}`;
}

/**
 * The memories the query's entities reach, each with its link: 1 for those mentioning a named
 * entity (one whose name in a memory, or whose name, id or alias given by the workspace, is
 * one of the keys, that memories searched mention, and that is no hub), 2 for those mentioning
 * a neighbour (an entity, no hub either, most often mentioned beside them: a relation, stated
 * or said in words, is between two entities its memory mentions, so this covers co_mentioned
 * and stated relations alike). A name counts only if a memory searched gives it (or the
 * workspace did), and an entity only if memories searched mention it (specific): what the
 * reader cannot read never decides what it finds. Each step is materialized, so it runs once:
 * inlined, the planner ran the counts of `specific` again for every memory a step read (a
 * quarter of a second a search on a LoCoMo conversation). A statement of its own, before
 * HYBRID's: a search whose query names no entity runs HYBRID's statement as it was, and plans
 * no graph (planning it took 2-6 ms on PGlite, more than running it).
 */
export function graphReachStatement(values: GraphValues): Sql {
  const { workspaceId, keys, filters } = values;
  const namedAs = sql`n.workspace_id = ${workspaceId} and n.name_key = any(${keys}::text[])`;
  return sql`with keyed(type, id) as materialized (
      select f.type, f.id from (select distinct n.type, n.id from entity_names n where ${namedAs}) f
        where exists (select 1 from memories where ${allOf([
          sql`memories.workspace_id = ${workspaceId}`,
          sql`memories.id = any(array(select n.memory_id from entity_names n
            where ${namedAs} and n.type = f.type and n.id = f.id))`,
          ...filters,
        ])})
      union
      select e.type, e.id from entities e where e.workspace_id = ${workspaceId} and e.match_keys && ${keys}::text[]),
    named(type, id) as materialized (${specific(filters, workspaceId, "keyed", sql`order by 1, 2 limit ${MAX_NAMED}`)}),
    named_memories as materialized (${mentioningStep(filters, workspaceId, "named")}),
    beside(type, id, weight) as (select y.type, y.id, count(distinct h.id)
      from named_memories h cross join lateral jsonb_to_recordset(h.mentions) as y(type text, id text)
      where not exists (select 1 from keyed f where f.type = y.type and f.id = y.id)
      group by 1, 2 order by 3 desc, 1, 2 limit ${2 * MAX_NEIGHBOURS}),
    neighbours(type, id) as materialized (${specific(filters, workspaceId, "beside", sql`order by f.weight desc, 1, 2 limit ${MAX_NEIGHBOURS}`)})
    select id, 1 as link from named_memories
    union all
    select m.id, 2 from (${mentioningStep(filters, workspaceId, "neighbours")}) m
      where m.id not in (select id from named_memories)`;
}

/** What the query's entities reach (graphReachStatement), as HYBRID's statement takes it. */
export interface GraphReach {
  /** The memories mentioning a named entity. */
  named: string[];
  /** The memories mentioning a neighbour and no named entity. */
  neighbours: string[];
  /** Memories it adds to the candidates at most, those nearest the query first. */
  limit: number;
}

/**
 * The `graph` CTE: the `limit` memories the entities reach, passing the filters, nearest the query
 * first, that neither retriever found, with `columns`.
 */
export function graphCte(reach: GraphReach, filters: Sql[], columns: Sql, distance: Sql, model: string): Sql {
  return sql`graph as (select id, case when embedding is not null and embedding_model = ${model} then ${distance} end as distance${columns}
      from memories where ${allOf([
        ...filters,
        sql`memories.id = any(${[...reach.named, ...reach.neighbours]}::uuid[])`,
        sql`memories.id not in (select id from nearest) and memories.id not in (select id from keyword)`,
      ])}
      order by 2 nulls last, id limit ${reach.limit})`;
}

/** A row's link: 1 when its memory mentions a named entity, 2 a neighbour, 0 neither. */
export function graphLink(reach: GraphReach): Sql {
  return sql`case when id = any(${reach.named}::uuid[]) then 1 when id = any(${reach.neighbours}::uuid[]) then 2
    else 0 end`;
}
