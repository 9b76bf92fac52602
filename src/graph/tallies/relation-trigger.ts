import { CO_MENTIONED, statedBy } from "../stated-relations.js";
import { readerOf, timeless } from "./tally-trigger.js";

/*
 * The relation_tallies deltas the names triggers (mention-trigger.ts) add, over the memory rows a
 * statement changed: each tallied memory's relations (co_mentioned between every two entities
 * it mentions, and those it states, each under both ends) after and before, netted per memory
 * and key as the entity tallies are (tally-trigger.ts).
 */

/**
 * Each relation of each tallied memory of `rows` (a SELECT of memory rows), under each end, for
 * the memory's reader class and for every reader ('*', an admin's).
 */
function relationsOf(rows: string): string {
  // The memory's relations once, then under each class: the other way round, every jsonb
  // expansion ran twice.
  return `select m.workspace_id, m.id as memory_id, c.reader, m.update_time, e.*
    from (${rows}) m cross join lateral (
      select a.type, a.id, '${CO_MENTIONED}'::text as predicate, b.type as other_type, b.id as other_id, true as outward
        from (select distinct x->>'type' as type, x->>'id' as id from jsonb_array_elements(m.mentions) x) a,
          (select distinct x->>'type' as type, x->>'id' as id from jsonb_array_elements(m.mentions) x) b
        where (a.type, a.id) <> (b.type, b.id)
      union all
      select * from (select s->>'type', s->>'id', r->>'predicate', o->>'type', o->>'id', true from ${statedBy("m")}
        union
        select o->>'type', o->>'id', r->>'predicate', s->>'type', s->>'id', false from ${statedBy("m")}
          where (o->>'type', o->>'id') <> (s->>'type', s->>'id')) stated
        where jsonb_array_length(m.relations) > 0 or jsonb_array_length(m.found_relations) > 0) e
    cross join lateral (values (${readerOf("m")}), ('*')) as c(reader)
    where ${timeless("m")}`;
}

const KEY = ["workspace_id", "type", "id", "reader", "predicate", "other_type", "other_id", "outward"];

/**
 * The statement adding the deltas between two sets of memory rows (SELECTs; null for none): an
 * insert's and a purge's are counts, an update's the difference per memory.
 */
export function relationDeltas(before: string | null, after: string | null): string {
  const columns = `${KEY.join(", ")}, n, memory_ids, memory_times, gone_ids`;
  const group = `group by ${KEY.map((_, i) => String(i + 1)).join(", ")}`;
  const newest = (x: string, column: string, filter = "") =>
    `coalesce((array_agg(${x}.${column} order by ${x}.update_time desc, ${x}.memory_id desc)${filter})[1:5], '{}')`;
  if (before === null && after !== null) {
    return `insert into relation_tallies (${columns})
      select ${KEY.map((c) => `a.${c}`).join(", ")}, count(*), ${newest("a", "memory_id")}, ${newest("a", "update_time")}, '{}'
      from (${relationsOf(after)}) a ${group};`;
  }
  if (after === null && before !== null) {
    return `insert into relation_tallies (${columns})
      select ${KEY.map((c) => `b.${c}`).join(", ")}, -count(*), '{}', '{}', array_agg(b.memory_id)
      from (${relationsOf(before)}) b ${group};`;
  }
  if (before === null || after === null) throw new Error("relationDeltas needs rows before or after");
  const joined = KEY.map((c) => `b.${c} = a.${c}`).join(" and ");
  const key = KEY.map((c) => `coalesce(a.${c}, b.${c})`).join(", ");
  const present = " filter (where a.memory_id is not null)";
  return `insert into relation_tallies (${columns})
    with before as (${relationsOf(before)}), after as (${relationsOf(after)})
    select ${key}, sum(case when b.memory_id is null then 1 when a.memory_id is null then -1 else 0 end),
      ${newest("a", "memory_id", present)}, ${newest("a", "update_time", present)},
      coalesce(array_agg(b.memory_id) filter (where a.memory_id is null), '{}')
    from after a full join before b on b.memory_id = a.memory_id and ${joined}
    ${group};`;
}
