import { Migration } from "@mikro-orm/migrations";

/**
 * entity_names rows carry their memory's columns that decide who may read it and whether it is
 * in force (owner, visibility, deletion, expiry, supersession, validity) and its times, so an
 * entity's counts are read from its own rows (decision 0024). The columns are filled from the
 * memories before they become required, and the triggers that write the rows write them too.
 */
export class Migration20261127063146EntityNamesMirrorMemories extends Migration {
  override up(): void {
    this.addSql(
      'alter table "entity_names" add "agent_id" text null, add "visibility" text null, add "create_time" timestamptz null, add "update_time" timestamptz null, add "delete_time" timestamptz null, add "expire_time" timestamptz null, add "valid_from" timestamptz null, add "valid_until" timestamptz null, add "superseded_by" uuid null',
    );
    this.addSql(
      "update entity_names n set agent_id = m.agent_id, visibility = m.visibility, create_time = m.create_time, update_time = m.update_time, delete_time = m.delete_time, expire_time = m.expire_time, valid_from = m.valid_from, valid_until = m.valid_until, superseded_by = m.superseded_by from memories m where m.workspace_id = n.workspace_id and m.id = n.memory_id",
    );
    this.addSql(
      'alter table "entity_names" alter column "visibility" set not null, alter column "create_time" set not null, alter column "update_time" set not null',
    );
    this.addSql(
      "create or replace function memories_names_on_insert_fn() returns trigger as $$ begin\n  \n  insert into entity_names (workspace_id, memory_id, type, id, name, name_key, agent_id, visibility, create_time, update_time, delete_time, expire_time, valid_from, valid_until, superseded_by)\n    with changed as (select * from inserted) select distinct on (changed.workspace_id, changed.id, m->>'type', m->>'id')\n      changed.workspace_id, changed.id, m->>'type', m->>'id', coalesce(m->>'text', m->>'id'),\n      lower(regexp_replace(coalesce(m->>'text', m->>'id'), '\\s+', ' ', 'g')), changed.agent_id, changed.visibility, changed.create_time, changed.update_time, changed.delete_time, changed.expire_time, changed.valid_from, changed.valid_until, changed.superseded_by\n    from changed cross join lateral jsonb_array_elements(changed.mentions) m\n    order by changed.workspace_id, changed.id, m->>'type', m->>'id', m->>'role' = 'content' desc;\n  return null; end; $$ language plpgsql;",
    );
    this.addSql(
      "create or replace function memories_names_on_update_fn() returns trigger as $$ begin\n  delete from entity_names n using (select previous.* from previous join updated\n    on previous.workspace_id = updated.workspace_id and previous.id = updated.id\n    where (previous.mentions, previous.agent_id, previous.visibility, previous.create_time, previous.update_time, previous.delete_time, previous.expire_time, previous.valid_from, previous.valid_until, previous.superseded_by) is distinct from (updated.mentions, updated.agent_id, updated.visibility, updated.create_time, updated.update_time, updated.delete_time, updated.expire_time, updated.valid_from, updated.valid_until, updated.superseded_by)) gone cross join lateral jsonb_array_elements(gone.mentions) m\n  where n.workspace_id = gone.workspace_id and n.type = m->>'type' and n.id = m->>'id' and n.memory_id = gone.id;\n  insert into entity_names (workspace_id, memory_id, type, id, name, name_key, agent_id, visibility, create_time, update_time, delete_time, expire_time, valid_from, valid_until, superseded_by)\n    with changed as (select updated.* from updated join previous\n    on previous.workspace_id = updated.workspace_id and previous.id = updated.id\n  where (previous.mentions, previous.agent_id, previous.visibility, previous.create_time, previous.update_time, previous.delete_time, previous.expire_time, previous.valid_from, previous.valid_until, previous.superseded_by) is distinct from (updated.mentions, updated.agent_id, updated.visibility, updated.create_time, updated.update_time, updated.delete_time, updated.expire_time, updated.valid_from, updated.valid_until, updated.superseded_by)) select distinct on (changed.workspace_id, changed.id, m->>'type', m->>'id')\n      changed.workspace_id, changed.id, m->>'type', m->>'id', coalesce(m->>'text', m->>'id'),\n      lower(regexp_replace(coalesce(m->>'text', m->>'id'), '\\s+', ' ', 'g')), changed.agent_id, changed.visibility, changed.create_time, changed.update_time, changed.delete_time, changed.expire_time, changed.valid_from, changed.valid_until, changed.superseded_by\n    from changed cross join lateral jsonb_array_elements(changed.mentions) m\n    order by changed.workspace_id, changed.id, m->>'type', m->>'id', m->>'role' = 'content' desc;\n  return null; end; $$ language plpgsql;",
    );
  }
}
