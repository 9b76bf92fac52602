import { Routine } from "@mikro-orm/core";
import { Sql, sql } from "../db/sql.js";

/**
 * How merges (entity_merges, MergeEntities) apply to mentions, in SQL, so that the trigger that
 * writes mentions and a graph read as of a past time apply them alike. `at` is the time whose
 * merges count: 'infinity' for the ones in force now. The routines are PL/pgSQL around the same
 * SQL a past graph read inlines: Citus cannot plan a SQL function's query on a distributed table
 * through its parameters, nor run a routine that reads one from inside a query on a shard.
 */

/** Merges one entity goes through, at most this many: they cannot cycle, this only bounds a bad row. */
export const MAX_CHAIN = 16;

/** Where an entity ends up after the merges of workspace `ws` in force at `at` (a chain: a into b, b into c), or null. */
export function mergeTarget(ws: Sql, type: Sql, id: Sql, at: Sql): Sql {
  return sql`(with recursive chain(type, id, depth) as (
    select ${type}, ${id}, 0
    union all
    select g.into_type, g.into_id, c.depth + 1 from chain c join entity_merges g
      on g.workspace_id = ${ws} and g.from_type = c.type and g.from_id = c.id
        and g.create_time <= ${at} and (g.undo_time is null or g.undo_time > ${at})
    where c.depth < ${Sql.raw(String(MAX_CHAIN))})
  select jsonb_build_object('type', type, 'id', id) from chain where depth > 0 order by depth desc limit 1)`;
}

/**
 * Mentions with the merges in force at `at` applied: each names the entity its own (the one
 * before any merge, which a merged mention keeps as "from") ends up as, with "from" set when
 * that differs; one entity in one role once per original. A workspace that never merged
 * anything pays one index probe.
 */
export function mergedMentions(ws: Sql, mentions: Sql, at: Sql): Sql {
  const target = mergeTarget(ws, Sql.raw("r.own->>'type'"), Sql.raw("r.own->>'id'"), at);
  return sql`(select case when not exists (select 1 from entity_merges g where g.workspace_id = ${ws} and g.create_time <= ${at})
    then ${mentions}
    else (select coalesce(jsonb_agg(m order by ord), '[]'::jsonb) from (
      select distinct on (m->>'type', m->>'id', m->>'role', m->'from') m, ord from (
        select case when t.target is null then r.own
            else r.own || t.target || jsonb_build_object('from', jsonb_build_object('type', r.own->>'type', 'id', r.own->>'id'))
          end as m, r.ord
        from (select case when e->'from' is not null then (e - 'from') || (e->'from') else e end as own, ord
            from jsonb_array_elements(${mentions}) with ordinality as x(e, ord)) r
          cross join lateral (select ${target} as target) t) mapped
      order by m->>'type', m->>'id', m->>'role', m->'from', ord) once)
    end)`;
}

/** The routine's parameters, as its body names them. */
const [WS, REF_TYPE, REF_ID, MENTIONS, AT] = ["ws", "ref_type", "ref_id", "mentions", "at"].map((name) =>
  Sql.raw(name),
) as [Sql, Sql, Sql, Sql, Sql];

export const entityMergeTarget = new Routine({
  name: "engram_entity_merge_target",
  type: "function",
  language: "plpgsql",
  params: {
    ws: { type: "text" },
    ref_type: { type: "text" },
    ref_id: { type: "text" },
    at: { type: "timestamptz" },
  },
  returns: { runtimeType: "object", columnType: "jsonb" },
  body: `return ${mergeTarget(WS, REF_TYPE, REF_ID, AT).text};`,
});

export const entityMergedMentions = new Routine({
  name: "engram_entity_merged_mentions",
  type: "function",
  language: "plpgsql",
  params: { ws: { type: "text" }, mentions: { type: "jsonb" }, at: { type: "timestamptz" } },
  returns: { runtimeType: "object", columnType: "jsonb" },
  body: `return ${mergedMentions(WS, MENTIONS, AT).text};`,
});
