import { CO_MENTIONED, statedBy } from "../stated-relations.js";
import { readerOf } from "./tally-trigger.js";

/*
 * The relation_tallies deltas the names triggers (mention-trigger.ts) add, over the memory rows a
 * statement changed: each tallied memory's relations (co_mentioned between every two entities
 * it mentions, and those it states, each under both ends) after and before, netted per memory
 * and key as the entity tallies are (tally-trigger.ts).
 */

/** A memory row whose standing does not change with the clock (memories' columns, table `m`). */
const timelessMemory = (m: string) =>
  `${m}.delete_time is null and ${m}.superseded_by is null and ${m}.expire_time is null and ${m}.valid_until is null and (${m}.valid_from is null or ${m}.valid_from <= ${m}.create_time)`;

/**
 * Each relation of each tallied memory of `rows` (a SELECT of memory rows), under each end, for
 * the memory's reader class and for every reader ('*', an admin's).
 */
function relationsOf(rows: string): string {
  return `select m.workspace_id, m.id as memory_id, c.reader, m.update_time, e.*
    from (${rows}) m cross join lateral (values (${readerOf("m")}), ('*')) as c(reader) cross join lateral (
      select a.type, a.id, '${CO_MENTIONED}'::text as predicate, b.type as other_type, b.id as other_id, true as outward
        from (select distinct x->>'type' as type, x->>'id' as id from jsonb_array_elements(m.mentions) x) a,
          (select distinct x->>'type' as type, x->>'id' as id from jsonb_array_elements(m.mentions) x) b
        where (a.type, a.id) <> (b.type, b.id)
      union
      select s->>'type', s->>'id', r->>'predicate', o->>'type', o->>'id', true from ${statedBy("m")}
      union
      select o->>'type', o->>'id', r->>'predicate', s->>'type', s->>'id', false from ${statedBy("m")}
        where (o->>'type', o->>'id') <> (s->>'type', s->>'id')) e
    where ${timelessMemory("m")}`;
}

const KEY = ["workspace_id", "type", "id", "reader", "predicate", "other_type", "other_id", "outward"];

/** The statement adding the deltas between two sets of memory rows (SELECTs; null for none). */
export function relationDeltas(before: string | null, after: string | null): string {
  const none = "select * from memories where false";
  const joined = KEY.map((c) => `b.${c} = a.${c}`).join(" and ");
  const key = KEY.map((c) => `coalesce(a.${c}, b.${c})`).join(", ");
  const newest = (column: string) =>
    `coalesce((array_agg(a.${column} order by a.update_time desc, a.memory_id desc) filter (where a.memory_id is not null))[1:5], '{}')`;
  return `insert into relation_tallies (${KEY.join(", ")}, n, memory_ids, memory_times, gone_ids)
    with before as (${relationsOf(before ?? none)}), after as (${relationsOf(after ?? none)})
    select ${key}, sum(case when b.memory_id is null then 1 when a.memory_id is null then -1 else 0 end),
      ${newest("memory_id")}, ${newest("update_time")},
      coalesce(array_agg(b.memory_id) filter (where a.memory_id is null), '{}')
    from after a full join before b on b.memory_id = a.memory_id and ${joined}
    group by ${KEY.map((_, i) => String(i + 1)).join(", ")};`;
}
