import { entityMergedMentions } from "./merge-routines.js";
import { relationDeltas } from "./tallies/relation-trigger.js";
import { tallyDeltas } from "./tallies/tally-trigger.js";

/**
 * The trigger that keeps every memory's `mentions` whole, on every way a memory is written
 * (writes, upserts, merges, updates, imports): the writer sends only the names it found in the
 * content (role "content", mentions.ts); before the row is stored this adds the subject, the
 * linked entities, the "<facet>:<value>" tags and both ends of each relation, resolves each
 * content name to an entity of a compatible type whose name, id or alias it matches (case and
 * spacing aside), the memory's own first, then one the workspace named (entities), then one a
 * memory goes by that name in (entity_names), drops repeats of one entity in one role, and
 * applies the merges in force (merge-routines.ts; a kept or moved mention its own entity first). It
 * runs in the write's own statement, so no path can store a memory whose mentions disagree with
 * its fields; statement triggers keep the memories' entity_names rows in step (row triggers on
 * Citus, src/memory/citus-row-triggers.ts).
 */

/** The entity types a name extracted as one of these may resolve to (an extracted type always matches itself). */
export const COMPATIBLE_TYPES: Record<string, readonly string[]> = {
  person: ["person", "people", "user", "contact", "employee", "member", "customer"],
  organization: [
    "organization",
    "organisation",
    "org",
    "company",
    "account",
    "team",
    "vendor",
    "competitor",
    "customer",
  ],
  place: ["place", "location", "city", "country", "region", "site"],
};

const compatible = `case c.m->>'type' ${Object.entries(COMPATIBLE_TYPES)
  .map(([type, types]) => `when '${type}' then array[${types.map((t) => `'${t}'`).join(", ")}]`)
  .join(" ")} else array[c.m->>'type'] end`;

/** A name as entities.match_keys and entity_names.name_key hold names: lower case, single spaces. */
const keyOf = (name: string) => `lower(regexp_replace(${name}, '\\s+', ' ', 'g'))`;
const matchKey = keyOf("c.m->>'text'");

/**
 * The first entity a memory goes by under the content name, among those `where` admits and only
 * through memories the new memory's owner may read (visibleTo's rule, on the columns the rows
 * carry): a name another agent gave only in its private memories must not lend its entity, and
 * with it the entity's id, to this one.
 */
const goesBy = (where: string, order: string) =>
  `select jsonb_build_object('type', n.type, 'id', n.id) from entity_names n
          where n.workspace_id = new.workspace_id and n.name_key = ${matchKey} and ${where}
            and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = new.agent_id) ${order} limit 1`;

const MENTIONS = `
  with own(m, ord) as (
    select jsonb_build_object('type', new.subject_type, 'id', new.subject_id, 'role', 'subject'), 0
      where new.subject_id is not null
    union all
    select jsonb_build_object('type', e->>'type', 'id', e->>'id', 'role', 'linked'), 1000 + o
      from jsonb_array_elements(new.linked_entities) with ordinality as l(e, o)
    union all
    select jsonb_build_object('type', lower(split_part(t, ':', 1)), 'id', substr(t, strpos(t, ':') + 1), 'role', 'tag'),
        2000 + o
      from unnest(new.tags) with ordinality as g(t, o)
      where strpos(t, ':') > 1 and strpos(t, ':') < length(t)
    union all
    select jsonb_build_object('type', r->end_name->>'type', 'id', r->end_name->>'id', 'role', 'relation'),
        3000 + 2 * o + side
      from jsonb_array_elements(new.relations) with ordinality as x(r, o),
        unnest(array['subject', 'object']) with ordinality as ends(end_name, side)),
  found(m, ord) as (
    select m, ord from own
    union all
    -- A name is first the memory's own entity (its subject, a link, a tag, a relation end), then
    -- one the workspace knows, then a new one; one an import brings already resolved stays so.
    -- A mention a merge moved is its own entity again here (merges apply below, as now in force).
    select case when c.m ? 'kept' then (c.m - 'kept' - 'from') || coalesce(c.m->'from', '{}'::jsonb)
      when c.m ? 'from' then (c.m - 'from') || (c.m->'from') else c.m || coalesce((
        select jsonb_build_object('type', k.type, 'id', k.id) from (
          select o.m->>'type' as type, o.m->>'id' as id, 0 as preference from own o
            where o.m->>'type' = any(${compatible}) and lower(o.m->>'id') in (c.m->>'id', ${matchKey})
          union all
          select e.type, e.id, 1 from entities e
            where e.workspace_id = new.workspace_id and e.type = any(${compatible})
              and (e.id = c.m->>'id' or e.match_keys @> array[${matchKey}])
          union all
          -- An entity merged away keeps its name: undoing the merge gives the name back to it.
          select g.from_type, g.from_id, 1 from entity_merges g
            where g.workspace_id = new.workspace_id and g.undo_time is null and g.from_type = any(${compatible})
              and g.from_id in (c.m->>'id', ${matchKey})
        ) k
        order by k.preference, k.type = c.m->>'type' desc, k.id = c.m->>'id' desc, k.type, k.id limit 1),
        -- Else a memory that goes by the name, in the same order of preference: its own type, its
        -- own id, then the first id. Each is one probe of the index, and coalesce stops at the
        -- first found (entity_names holds a row per memory: a name every note gives has thousands,
        -- and probing every compatible type twice cost 2.5 ms a write on PGlite).
        (${goesBy(`n.type = c.m->>'type' and n.id = c.m->>'id'`, "")}),
        (${goesBy(`n.type = c.m->>'type'`, "order by n.id")}),
        (${goesBy(`n.type = any(${compatible}) and n.type <> c.m->>'type' and n.id = c.m->>'id'`, "order by n.type")}),
        (${goesBy(`n.type = any(${compatible}) and n.type <> c.m->>'type'`, "order by n.type, n.id")}),
        '{}'::jsonb) end,
        4000 + o
      from jsonb_array_elements(new.mentions) with ordinality as c(m, o)
      where c.m->>'role' = 'content'),
  once as (
    select distinct on (m->>'type', m->>'id', m->>'role') m, ord from found
    order by m->>'type', m->>'id', m->>'role', ord)
  -- Only a workspace that ever merged pays for calling the routine (0.3 ms a write on PGlite).
  select case when exists (select 1 from entity_merges g where g.workspace_id = new.workspace_id)
      then ${entityMergedMentions.name}(new.workspace_id, found_ones, 'infinity') else found_ones end
  from (select coalesce(jsonb_agg(m order by ord), '[]'::jsonb) as found_ones from once) agg`;

/** BEFORE INSERT OR UPDATE of the fields mentions derive from, for each row. */
export const MENTIONS_ON_WRITE = `create or replace function memories_mentions_on_write_fn() returns trigger as $$
begin
  new.mentions := (${MENTIONS});
  return new;
end; $$ language plpgsql;
create trigger mentions_on_write before insert or update of mentions, subject_type, subject_id, linked_entities,
  tags, relations on memories for each row execute function memories_mentions_on_write_fn()`;

/**
 * The memory's columns each of its entity_names rows carries (entity-name.entity.ts): who may
 * read it, whether it is in force at a given time, and its times. The update trigger rewrites
 * the rows when any of them changes; a migration that changes them with the triggers disabled
 * must rewrite the rows too.
 */
export const MIRRORED_COLUMNS = [
  "agent_id",
  "visibility",
  "create_time",
  "update_time",
  "delete_time",
  "expire_time",
  "valid_from",
  "valid_until",
  "superseded_by",
] as const;

export const mirrored = (table: string) => MIRRORED_COLUMNS.map((c) => `${table}.${c}`).join(", ");

/** Each changed memory's names: a content mention's text, else the entity's id; and that name as a match key. */
export const NAMES = `select distinct on (changed.workspace_id, changed.id, m->>'type', m->>'id')
      changed.workspace_id, changed.id as memory_id, m->>'type' as type, m->>'id' as id,
      coalesce(m->>'text', m->>'id') as name, ${keyOf("coalesce(m->>'text', m->>'id')")} as name_key, ${mirrored("changed")}
    from changed cross join lateral jsonb_array_elements(changed.mentions) m
    order by changed.workspace_id, changed.id, m->>'type', m->>'id', m->>'role' = 'content' desc`;

export const NAME_COLUMNS = `workspace_id, memory_id, type, id, name, name_key, ${MIRRORED_COLUMNS.join(", ")}`;

/**
 * A statement trigger's function and the trigger: `body` runs once per statement, over the
 * transition tables `tables` names, when `rows` finds a row. A statement that changed nothing
 * the names depend on still fires its triggers: an upsert that wrote nothing fires both its
 * insert and update triggers over empty tables, and a vector attached fires the update one.
 * The rows are counted, not tested with EXISTS: planned to stop at the first row, the update
 * trigger's join of its two tables became a nested loop from about 30k rows, and an update of
 * 100k memories that changed no name (a re-embed's requeue) ran for more than 14 minutes.
 */
function statementTrigger(name: string, event: string, tables: string, rows: string, body: string): string {
  const fn = `memories_${name}_fn`;
  return `create or replace function ${fn}() returns trigger as $$ begin
  if (select count(*) from (${rows}) as found) = 0 then return null; end if;
  ${body}
  return null; end; $$ language plpgsql;
create trigger ${name} after ${event} on memories referencing ${tables} for each statement execute function ${fn}()`;
}

/**
 * AFTER INSERT and AFTER UPDATE, once per statement over its transition tables (as revisions
 * are, decision 0014): the entity_names rows of the memories whose mentions or mirrored columns
 * changed are written anew (an embedding attached, which changes neither, writes none).
 */
export const NAMES_ON_INSERT = statementTrigger(
  "names_on_insert",
  "insert",
  "new table as inserted",
  "select 1 from inserted",
  `with changed as (select * from inserted), added as (
    insert into entity_names (${NAME_COLUMNS}) ${NAMES} returning *)
  ${tallyDeltas(null, "select * from added")}
  ${relationDeltas(null, "select * from inserted")}`,
);

/** A memory whose rows must follow: its mentions or a column they carry changed. */
const REWRITTEN = `(previous.mentions, ${mirrored("previous")}) is distinct from (updated.mentions, ${mirrored("updated")})`;

const CHANGED = `select updated.* from updated join previous
    on previous.workspace_id = updated.workspace_id and previous.id = updated.id
  where ${REWRITTEN}`;

/** Removes the entity_names rows of the memories in `gone` (one per entity of their mentions, by the key). */
export const removeNamesOf = (
  gone: string,
) => `delete from entity_names n using ${gone} cross join lateral jsonb_array_elements(gone.mentions) m
    where n.workspace_id = gone.workspace_id and n.type = m->>'type' and n.id = m->>'id' and n.memory_id = gone.id
    returning n.*`;

/** The changed memories as they were. */
const PREVIOUS = `select previous.* from previous join updated
    on previous.workspace_id = updated.workspace_id and previous.id = updated.id
    where ${REWRITTEN}`;

/**
 * The memories' rows are removed and written anew; the tallies take the difference, and so
 * count a memory that still gives a name as it did as 0 (with its new times), not -1 and +1.
 */
export const NAMES_ON_UPDATE = statementTrigger(
  "names_on_update",
  "update",
  "old table as previous new table as updated",
  CHANGED,
  `with removed as (${removeNamesOf(`(${PREVIOUS}) gone`)}), changed as (${CHANGED}), renamed as (${NAMES})
  ${tallyDeltas("select * from removed", "select * from renamed")}
  with changed as (${CHANGED}) insert into entity_names (${NAME_COLUMNS}) ${NAMES};
  ${relationDeltas(PREVIOUS, CHANGED)}`,
);

/** AFTER DELETE, once per statement: a purged memory's names go with it, and from the tallies. */
export const NAMES_ON_PURGE = statementTrigger(
  "names_on_purge",
  "delete",
  "old table as purged",
  "select 1 from purged",
  `with removed as (${removeNamesOf("purged gone")}) ${tallyDeltas("select * from removed", null)}
  ${relationDeltas("select * from purged", null)}`,
);
