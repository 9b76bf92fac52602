/*
 * The entity_tallies deltas the names triggers (mention-trigger.ts) add, over the memories a
 * statement changed: each memory's names as entity_names holds them, kept only for memories
 * tallied (TIMELESS), and per key (workspace, entity, reader class, name) the difference between
 * the names after and before. A memory that gives the same key before and after counts 0 and
 * brings its new times; one that gives it no longer counts -1 and leaves its times in
 * gone_first and gone_last (entity-tally.entity.ts).
 */

/** A memory, or a names row (which mirrors its columns), whose standing does not change with the clock. */
export const timeless = (x: string) =>
  `${x}.delete_time is null and ${x}.superseded_by is null and ${x}.expire_time is null and ${x}.valid_until is null and (${x}.valid_from is null or ${x}.valid_from <= ${x}.create_time)`;

/** In force but with a standing the clock can change: counted from entity_names when read. */
export const BOUNDED =
  "delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time)";

/**
 * Who may read a names row's memory besides an admin: '' for everyone (visibleTo's rule), else
 * its owner's class (privateClass).
 */
export const readerOf = (x: string) =>
  `case when ${x}.visibility = 'shared' or ${x}.agent_id is null then '' when ${x}.agent_id in ('', '*') or ${x}.agent_id like '@%' then '@' || ${x}.agent_id else ${x}.agent_id end`;

/**
 * The class of an agent's private memories, as readerOf gives it: the agent's id, or '@' and the
 * id for one that could be taken for another class ('' everyone's, '*' an admin's, or an id
 * already marked so). An agent may be called '*': its reads must not be an admin's.
 */
export function privateClass(agentId: string): string {
  return agentId === "" || agentId === "*" || agentId.startsWith("@") ? `@${agentId}` : agentId;
}

const COLUMNS = "workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, gone_first, gone_last";

/**
 * The statement adding the deltas between two sets of names rows (`before`, `after`: SELECTs
 * with entity_names' columns; null for none), for each row's reader class and for every reader
 * ('*', an admin's: one class to read, as for relations, instead of every agent's).
 */
export function tallyDeltas(before: string | null, after: string | null): string {
  const side = (rows: string | null) =>
    rows === null
      ? `select null::text as workspace_id, null::uuid as memory_id, null::text as type, null::text as id, null::text as reader,
      null::text as name, null::text as name_key, null::timestamptz as create_time, null::timestamptz as update_time where false`
      : `select x.workspace_id, x.memory_id, x.type, x.id, c.reader, x.name, x.name_key,
      x.create_time, x.update_time from (${rows}) x cross join lateral (values (${readerOf("x")}), ('*')) as c(reader)
      where ${timeless("x")}`;
  return `insert into entity_tallies (${COLUMNS})
    with before as (${side(before)}), after as (${side(after)})
    select coalesce(a.workspace_id, b.workspace_id), coalesce(a.type, b.type), coalesce(a.id, b.id),
      coalesce(a.reader, b.reader), coalesce(a.name, b.name), min(coalesce(a.name_key, b.name_key)),
      sum(case when b.memory_id is null then 1 when a.memory_id is null then -1 else 0 end),
      min(a.create_time), max(a.update_time),
      min(b.create_time) filter (where a.memory_id is null), max(b.update_time) filter (where a.memory_id is null)
    from after a full join before b on b.workspace_id = a.workspace_id and b.memory_id = a.memory_id
      and b.type = a.type and b.id = a.id and b.reader = a.reader and b.name = a.name
    group by 1, 2, 3, 4, 5;`;
}
