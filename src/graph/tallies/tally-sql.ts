import { Sql, sql } from "../../db/sql.js";
import { allOf } from "../../memory/filters.js";
import type { LiveSource } from "../graph-source.js";
import { BOUNDED } from "./tally-trigger.js";

/*
 * What a reader's memories say of entities now, read from entity_tallies (decision 0029): the
 * timeless memories' tallies of the reader's classes, plus the bounded memories' entity_names
 * rows counted as they stand. Used only when the graph is read now (graphSource's `tallied`).
 */

/** The tally rows of the reader classes the source's viewer reads (`t`): '*' for an admin. */
function readable(source: LiveSource): Sql[] {
  return [source.readers === null ? sql`t.reader = '*'` : sql`t.reader = any(${source.readers}::text[])`];
}

/** Each name's tally for the entity in `table`'s type and id, summed over the readable classes. */
function perName(source: LiveSource, table: string): Sql {
  const t = Sql.raw(table);
  const own = [sql`t.workspace_id = ${source.workspaceId}`, sql`t.type = ${t}.type`, sql`t.id = ${t}.id`];
  return sql`select t.name, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
      min(t.gone_first) as gone_first, max(t.gone_last) as gone_last
    from entity_tallies t where ${allOf([...own, ...readable(source)])} group by t.name`;
}

/** The bounded memories' names rows of the entity in `table`, as the source's conditions admit them. */
function boundedOf(source: LiveSource, table: string): Sql {
  const t = Sql.raw(table);
  return sql`from entity_names n where ${allOf([
    sql`n.workspace_id = ${source.workspaceId}`,
    sql`n.type = ${t}.type`,
    sql`n.id = ${t}.id`,
    Sql.raw(BOUNDED),
    ...source.names,
  ])}`;
}

/**
 * mention_count, first_seen, last_seen and, `withName`, name_seen of the entity in `table` (as
 * mentionStats). The times are the tallies' unless a pending row removed a memory at least as
 * old as the first or as new as the last (entity-tally.entity.ts): a removed memory's times are
 * those a row of its own gave, so then, and only then, `exact` (the entity's names rows read
 * whole) answers for that entity, until the folder settles it. A name the memories no longer
 * give can only lend its times through a removal, so only name_seen needs the names apart.
 */
export function talliedStats(source: LiveSource, table: string, exact: (gate: Sql) => Sql, withName: boolean): Sql {
  const t = Sql.raw(table);
  const own = [sql`t.workspace_id = ${source.workspaceId}`, sql`t.type = ${t}.type`, sql`t.id = ${t}.id`];
  const name = withName
    ? sql`, (select min(p.name) from (${perName(source, table)}) p where p.n > 0)`
    : sql`, null::text`;
  const pick = (column: string) => Sql.raw(`case when q.uncertain then x.${column} else q.${column} end as ${column}`);
  return sql`select ${pick("mention_count")}, ${pick("first_seen")}, ${pick("last_seen")}, ${pick("name_seen")}
    from (select coalesce(k.n, 0) + b.n as mention_count, least(k.first_seen, b.first_seen) as first_seen,
        greatest(k.last_seen, b.last_seen) as last_seen, least(k.name_seen, b.name_seen) as name_seen, k.uncertain
      from (select sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen${name} as name_seen,
          coalesce(min(t.gone_first) <= min(t.first_seen) or max(t.gone_last) >= max(t.last_seen), false) as uncertain
        from entity_tallies t where ${allOf([...own, ...readable(source)])}) k,
      (select count(*) as n, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen
        ${boundedOf(source, table)}) b) q
    -- Gated inside (a one-time filter: no row is read unless uncertain); in ON, or around the
    -- aggregate, the planner read every entity's rows and filtered after.
    cross join lateral (${exact(sql`q.uncertain`)}) x`;
}

/** The entities a name of the readable tallies, or of a bounded memory the source admits, matches (`named`, on t / n). */
export function talliedNamed(source: LiveSource, named: (table: string) => Sql[]): Sql {
  const tallies = [sql`t.workspace_id = ${source.workspaceId}`, ...named("t"), ...readable(source)];
  const bounded = [sql`n.workspace_id = ${source.workspaceId}`, ...named("n"), Sql.raw(BOUNDED), ...source.names];
  return sql`select t.type, t.id from entity_tallies t where ${allOf(tallies)}
      group by t.type, t.id, t.name having sum(t.n) > 0
    union
    select n.type, n.id from entity_names n where ${allOf(bounded)}`;
}

/** The first name the entity in `table` goes by among the readable tallies and bounded memories. */
export function talliedNameSeen(source: LiveSource, table: string): Sql {
  return sql`(select min(name) from (select p.name from (${perName(source, table)}) p where p.n > 0
    union all select n.name ${boundedOf(source, table)}) names)`;
}
