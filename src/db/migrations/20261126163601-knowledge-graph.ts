import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration, plus the last statement: the knowledge
 * graph (src/graph/). Memories gain the relations they state and the entities they mention
 * (kept whole by the mentions_on_write trigger), and `entities` holds each entity's display
 * name, aliases and attributes. Memories stored before this get the mentions of their subject,
 * linked entities, facet tags and relations now; names in their content are found when they
 * are next written. Their past revisions keep no mentions, so a graph read as of a time before
 * this knows only what was written since.
 */
export class Migration20261126163601KnowledgeGraph extends Migration {
  override up(): void {
    this.addSql(
      'create table "entities" ("workspace_id" text not null, "type" text not null, "id" text not null, "name" text not null, "aliases" text[] not null default \'{}\', "match_keys" text[] not null default \'{}\', "attributes" jsonb not null default \'{}\', "create_time" timestamptz not null, "update_time" timestamptz not null, primary key ("workspace_id", "type", "id"))',
    );
    this.addSql("create index entities_match_keys on entities using gin (match_keys) with (fastupdate = off)");
    this.addSql(
      'create table "entity_names" ("workspace_id" text not null, "type" text not null, "id" text not null, "memory_id" uuid not null, "name" text not null, "name_key" text not null, primary key ("workspace_id", "type", "id", "memory_id"))',
    );
    this.addSql("create index entity_names_key on entity_names (workspace_id, name_key text_pattern_ops, type, id)");
    this.addSql(
      'alter table "memories" add "relations" jsonb not null default \'[]\', add "mentions" jsonb not null default \'[]\', add "found_relations" jsonb not null default \'[]\'',
    );
    this.addSql(
      "create index memories_mentions on memories\n        using gin (mentions jsonb_path_ops) with (fastupdate = off)",
    );
    this.addSql(
      "create or replace function memories_mentions_on_write_fn() returns trigger as $$begin\n  new.mentions := (\n  with own(m, ord) as (\n    select jsonb_build_object('type', new.subject_type, 'id', new.subject_id, 'role', 'subject'), 0\n      where new.subject_id is not null\n    union all\n    select jsonb_build_object('type', e->>'type', 'id', e->>'id', 'role', 'linked'), 1000 + o\n      from jsonb_array_elements(new.linked_entities) with ordinality as l(e, o)\n    union all\n    select jsonb_build_object('type', lower(split_part(t, ':', 1)), 'id', substr(t, strpos(t, ':') + 1), 'role', 'tag'),\n        2000 + o\n      from unnest(new.tags) with ordinality as g(t, o)\n      where strpos(t, ':') > 1 and strpos(t, ':') < length(t)\n    union all\n    select jsonb_build_object('type', r->end_name->>'type', 'id', r->end_name->>'id', 'role', 'relation'),\n        3000 + 2 * o + side\n      from jsonb_array_elements(new.relations) with ordinality as x(r, o),\n        unnest(array['subject', 'object']) with ordinality as ends(end_name, side)),\n  found(m, ord) as (\n    select m, ord from own\n    union all\n    -- A name is first the memory's own entity (its subject, a link, a tag, a relation end), then\n    -- one the workspace knows, then a new one; one an import brings already resolved stays so.\n    select case when c.m ? 'kept' then c.m - 'kept' else c.m || coalesce((\n        select jsonb_build_object('type', k.type, 'id', k.id) from (\n          select o.m->>'type' as type, o.m->>'id' as id, 0 as preference from own o\n            where o.m->>'type' = any(case c.m->>'type' when 'person' then array['person', 'people', 'user', 'contact', 'employee', 'member', 'customer'] when 'organization' then array['organization', 'organisation', 'org', 'company', 'account', 'team', 'vendor', 'competitor', 'customer'] when 'place' then array['place', 'location', 'city', 'country', 'region', 'site'] else array[c.m->>'type'] end) and lower(o.m->>'id') in (c.m->>'id', lower(regexp_replace(c.m->>'text', '\\s+', ' ', 'g')))\n          union all\n          select e.type, e.id, 1 from entities e\n            where e.workspace_id = new.workspace_id and e.type = any(case c.m->>'type' when 'person' then array['person', 'people', 'user', 'contact', 'employee', 'member', 'customer'] when 'organization' then array['organization', 'organisation', 'org', 'company', 'account', 'team', 'vendor', 'competitor', 'customer'] when 'place' then array['place', 'location', 'city', 'country', 'region', 'site'] else array[c.m->>'type'] end)\n              and (e.id = c.m->>'id' or e.match_keys @> array[lower(regexp_replace(c.m->>'text', '\\s+', ' ', 'g'))])\n          union all\n          select n.type, n.id, 2 from entity_names n\n            where n.workspace_id = new.workspace_id and n.name_key = lower(regexp_replace(c.m->>'text', '\\s+', ' ', 'g')) and n.type = any(case c.m->>'type' when 'person' then array['person', 'people', 'user', 'contact', 'employee', 'member', 'customer'] when 'organization' then array['organization', 'organisation', 'org', 'company', 'account', 'team', 'vendor', 'competitor', 'customer'] when 'place' then array['place', 'location', 'city', 'country', 'region', 'site'] else array[c.m->>'type'] end)) k\n        order by k.preference, k.type = c.m->>'type' desc, k.id = c.m->>'id' desc, k.type, k.id limit 1), '{}'::jsonb) end,\n        4000 + o\n      from jsonb_array_elements(new.mentions) with ordinality as c(m, o)\n      where c.m->>'role' = 'content'),\n  once as (\n    select distinct on (m->>'type', m->>'id', m->>'role') m, ord from found\n    order by m->>'type', m->>'id', m->>'role', ord)\n  select coalesce(jsonb_agg(m order by ord), '[]'::jsonb) from once);   return new; end; $$ language plpgsql",
    );
    this.addSql(
      "create trigger mentions_on_write before insert or update of mentions, subject_type, subject_id, linked_entities,\n  tags, relations on memories for each row execute function memories_mentions_on_write_fn()",
    );
    this.addSql(
      "create or replace function memories_names_on_insert_fn() returns trigger as $$ begin\n  insert into entity_names (workspace_id, memory_id, type, id, name, name_key) with changed as (select * from inserted) select distinct on (changed.workspace_id, changed.id, m->>'type', m->>'id')\n      changed.workspace_id, changed.id, m->>'type', m->>'id', coalesce(m->>'text', m->>'id'),\n      lower(regexp_replace(coalesce(m->>'text', m->>'id'), '\\s+', ' ', 'g'))\n    from changed cross join lateral jsonb_array_elements(changed.mentions) m\n    order by changed.workspace_id, changed.id, m->>'type', m->>'id', m->>'role' = 'content' desc;   return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create trigger names_on_insert after insert on memories referencing new table as inserted for each statement execute function memories_names_on_insert_fn()",
    );
    this.addSql(
      "create or replace function memories_names_on_update_fn() returns trigger as $$ begin\n  delete from entity_names n using (select previous.* from previous join updated\n    on previous.workspace_id = updated.workspace_id and previous.id = updated.id\n    where previous.mentions is distinct from updated.mentions) gone cross join lateral jsonb_array_elements(gone.mentions) m\n  where n.workspace_id = gone.workspace_id and n.type = m->>'type' and n.id = m->>'id' and n.memory_id = gone.id;   insert into entity_names (workspace_id, memory_id, type, id, name, name_key) with changed as (select updated.* from updated join previous\n    on previous.workspace_id = updated.workspace_id and previous.id = updated.id\n  where previous.mentions is distinct from updated.mentions) select distinct on (changed.workspace_id, changed.id, m->>'type', m->>'id')\n      changed.workspace_id, changed.id, m->>'type', m->>'id', coalesce(m->>'text', m->>'id'),\n      lower(regexp_replace(coalesce(m->>'text', m->>'id'), '\\s+', ' ', 'g'))\n    from changed cross join lateral jsonb_array_elements(changed.mentions) m\n    order by changed.workspace_id, changed.id, m->>'type', m->>'id', m->>'role' = 'content' desc;   return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create trigger names_on_update after update on memories referencing old table as previous new table as updated for each statement execute function memories_names_on_update_fn()",
    );
    this.addSql(
      "create or replace function memories_names_on_purge_fn() returns trigger as $$begin\n  delete from entity_names n using purged gone cross join lateral jsonb_array_elements(gone.mentions) m\n  where n.workspace_id = gone.workspace_id and n.type = m->>'type' and n.id = m->>'id' and n.memory_id = gone.id;   return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create trigger names_on_purge after delete on memories referencing old table as purged for each statement\n  execute function memories_names_on_purge_fn()",
    );
    this.addSql("update memories set mentions = '[]'::jsonb");
  }
}
