import { Sql, sql } from "../db/sql.js";
import { allOf } from "../memory/filters.js";
import type { GraphSource } from "./graph-source.js";
import { talliedNamedMentions, talliedNameSeen, talliedStats } from "./tallies/tally-sql.js";

/*
 * The parts EntityRepository's statements are built from: which entities a list or a name
 * matches, and what the source's memories say of each (counts, times, the name they give).
 */

export type EntityOrderValue = "last_seen" | "mention_count" | "name";

export interface EntityListQuery {
  source: GraphSource;
  workspaceId: string;
  type?: string;
  /** Lower-cased: names, ids or aliases starting with it. */
  namePrefix?: string;
  /** Lower-cased words, each contained in the name or an alias. */
  words: string[];
  order: EntityOrderValue;
  offset: number;
  limit: number;
}

/**
 * What the source's memories say of the entity in columns `type` and `id` of `table`: how many
 * mention it, the first created and the last updated (mention_count, first_seen, last_seen; a
 * count of 0 when none does), and with `withName` the name it goes by in them (name_seen, as
 * nameSeen gives it). In the live table the entity's own entity_names rows answer alone: each
 * carries its memory's columns the source's conditions test (decision 0024). Joined to the
 * memories, every mention of a hub was a read of its memory: ListEntities by prefix took 16 ms
 * (p50, in process) at 10k memories on PGlite, 7 ms from the rows alone. A past state's
 * memories are tested as a whole (the rows describe the memories as they are now).
 */
export function mentionStats(source: GraphSource, workspaceId: string, table: string, { withName = false } = {}): Sql {
  const t = Sql.raw(table);
  if (!source.live) {
    const mentioning = sql`memories.mentions @> jsonb_build_array(jsonb_build_object('type', ${t}.type, 'id', ${t}.id))`;
    const name = withName ? sql`, ${nameSeen(source, workspaceId, table)} as name_seen` : sql``;
    return sql`select ${statsOf("memories")}${name} from ${source.from} where ${allOf([...source.where, mentioning])}`;
  }
  const own = [sql`n.workspace_id = ${workspaceId}`, sql`n.type = ${t}.type`, sql`n.id = ${t}.id`];
  const name = withName || source.tallied ? sql`, min(n.name) as name_seen` : sql``;
  const exact = (gate?: Sql) =>
    sql`select ${statsOf("n")}${name} from entity_names n where ${allOf([...(gate ? [gate] : []), ...own, ...source.names])}`;
  return source.tallied ? talliedStats(source, table, exact, withName) : exact();
}

/**
 * The entities of `refs` (a set of rows with columns type and id) as the source sees them: the
 * workspace's name, aliases and attributes, and the source's count and times; none it does not see.
 */
export function seenEntities(source: GraphSource, workspaceId: string, refs: Sql): Sql {
  return sql`select c.type, c.id, coalesce(e.name, s.name_seen, c.id) as name,
      e.aliases, e.attributes,
      s.mention_count, s.first_seen, s.last_seen
    from ${refs} as c(type, id)
    cross join lateral (${mentionStats(source, workspaceId, "c", { withName: true })}) s
    left join entities e on e.workspace_id = ${workspaceId} and e.type = c.type and e.id = c.id
    where s.mention_count > 0`;
}

function statsOf(table: string): Sql {
  const t = Sql.raw(table);
  return sql`count(*) as mention_count, min(${t}.create_time) as first_seen, max(${t}.update_time) as last_seen`;
}

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Every mention in the source, counted once per memory. */
export function allMentions(q: EntityListQuery): Sql {
  const typed = q.type === undefined ? [] : [sql`m->>'type' = ${q.type}`];
  return sql`select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from ${q.source.from} cross join lateral jsonb_array_elements(memories.mentions) as m
    where ${allOf([...q.source.where, ...typed])}
    group by 1, 2`;
}

/**
 * The entities whose name in a memory of the source (entity_names), or whose name, id or alias
 * the workspace gave them (entities), matches; then what the source says of each.
 */
export function namedMentions(q: EntityListQuery): Sql {
  const named = (table: string): Sql[] => {
    const t = Sql.raw(table);
    const where = [sql`${t}.workspace_id = ${q.workspaceId}`];
    if (q.type !== undefined) where.push(sql`${t}.type = ${q.type}`);
    if (q.namePrefix !== undefined) where.push(sql`${t}.name_key like ${`${likeEscaped(q.namePrefix)}%`}`);
    for (const word of q.words) where.push(sql`${t}.name_key like ${`%${likeEscaped(word)}%`}`);
    return where;
  };
  const given = [sql`e.workspace_id = ${q.workspaceId}`];
  if (q.type !== undefined) given.push(sql`e.type = ${q.type}`);
  if (q.namePrefix !== undefined) {
    given.push(sql`exists (select 1 from unnest(e.match_keys) k where k like ${`${likeEscaped(q.namePrefix)}%`})`);
  }
  for (const word of q.words) {
    given.push(sql`exists (select 1 from unnest(e.match_keys) k where k like ${`%${likeEscaped(word)}%`})`);
  }
  const source = q.source;
  const workspaceNamed = sql`select e.type, e.id from entities e where ${allOf(given)}`;
  const stats = (table: string) => mentionStats(source, q.workspaceId, table);
  if (source.live && source.tallied) return talliedNamedMentions(source, named, workspaceNamed, stats);
  return sql`select c.type, c.id, s.mention_count, s.first_seen, s.last_seen
    from (
      ${namedIn(source, named("n"))}
      union
      ${workspaceNamed}) c
    cross join lateral (${stats("c")}) s
    where s.mention_count > 0`;
}

/**
 * The entities a name the source's memories give matches (`named`, on entity_names n): in the
 * live table, the rows the source's conditions admit; in a past state, the names joined to the
 * memories as they were.
 */
function namedIn(source: GraphSource, named: Sql[]): Sql {
  if (!source.live) return sql`select n.type, n.id from ${namesIn(source)} where ${allOf([...named, ...source.where])}`;
  return sql`select distinct n.type, n.id from entity_names n where ${allOf([...named, ...source.names])}`;
}

/**
 * The names (entity_names n) a past state's memories give: joined to them, so their conditions
 * apply. Only the names' own columns: the memory's that rows carry would make the conditions'
 * unqualified columns ambiguous. The rows are today's (a name a memory gave then and no longer
 * gives is not found), as before the rows carried anything.
 */
function namesIn(source: GraphSource): Sql {
  return sql`(select workspace_id, type, id, memory_id, name, name_key from entity_names) n
    join ${source.from} on memories.workspace_id = n.workspace_id and memories.id = n.memory_id`;
}

/** A name the entity in columns `type`, `id` of `table` goes by in a memory of the source. */
export function nameSeen(source: GraphSource, workspaceId: string, table: string): Sql {
  if (source.live && source.tallied) return talliedNameSeen(source, table);
  const t = Sql.raw(table);
  const own = [sql`n.workspace_id = ${workspaceId}`, sql`n.type = ${t}.type`, sql`n.id = ${t}.id`];
  const from = source.live ? sql`entity_names n` : namesIn(source);
  const where = source.live ? source.names : source.where;
  return sql`(select n.name from ${from} where ${allOf([...own, ...where])} order by n.name limit 1)`;
}
