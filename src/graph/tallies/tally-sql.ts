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

/**
 * The entities a name matches (`named`, on t / n), in the readable tallies, a bounded memory's
 * names the source admits, or the workspace's own names (`given`), with what the source's
 * memories say of each (mentionStats' columns, `stats`). An entity that goes by one name_key
 * (sole_key) has no rows but those its name matched: when all of them are folded and it has no
 * unfolded row, they are summed as they are, with its bounded memories' names, instead of each
 * entity's rows being read again (a prefix matching 1,111 entities at 100k memories probed
 * 1,111 keys). Any other entity is read whole, by `stats`.
 */
export function talliedNamedMentions(
  source: LiveSource,
  named: (table: string) => Sql[],
  given: Sql,
  stats: (table: string) => Sql,
): Sql {
  const tallies = [sql`t.workspace_id = ${source.workspaceId}`, ...named("t"), ...readable(source)];
  const bounded = [sql`n.workspace_id = ${source.workspaceId}`, Sql.raw(BOUNDED), ...source.names];
  return sql`with matched as materialized (
      select t.type, t.id, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
        bool_and(t.folded and t.sole_key) and not exists (select 1 from entity_tallies u
          where u.workspace_id = ${source.workspaceId} and u.type = t.type and u.id = t.id and not u.folded) as whole
      from entity_tallies t where ${allOf(tallies)} group by t.type, t.id having sum(t.n) > 0)
    select m.type, m.id, m.n + coalesce(b.n, 0) as mention_count, least(m.first_seen, b.first_seen) as first_seen,
      greatest(m.last_seen, b.last_seen) as last_seen
    from matched m left join (
      select n.type, n.id, count(*) as n, min(n.create_time) as first_seen, max(n.update_time) as last_seen
      from entity_names n where ${allOf([...bounded, sql`(n.type, n.id) in (select type, id from matched where whole)`])}
        -- Most workspaces hold no bounded memory: one probe of their index says so (ordered as
        -- it is: else the planner, expecting many such rows, scanned the table for one).
        and (select true from entity_names x where x.workspace_id = ${source.workspaceId} and ${Sql.raw(BOUNDED)}
          order by x.type, x.id limit 1)
      group by 1, 2) b on b.type = m.type and b.id = m.id
    where m.whole
    union all
    select c.type, c.id, s.mention_count, s.first_seen, s.last_seen
    from (select type, id from matched where not whole
      union
      select x.type, x.id from (
        select n.type, n.id from entity_names n where ${allOf([...named("n"), ...bounded])}
        union
        ${given}) x
      where not exists (select 1 from matched m where m.type = x.type and m.id = x.id)) c
    cross join lateral (${stats("c")}) s
    where s.mention_count > 0`;
}

/** The first name the entity in `table` goes by among the readable tallies and bounded memories. */
export function talliedNameSeen(source: LiveSource, table: string): Sql {
  return sql`(select min(name) from (select p.name from (${perName(source, table)}) p where p.n > 0
    union all select n.name ${boundedOf(source, table)}) names)`;
}
