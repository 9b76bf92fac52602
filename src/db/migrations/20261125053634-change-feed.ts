import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration, with the revision trigger functions
 * replaced by hand (the generator compares triggers by name): the change log WatchMemories
 * reads, and the function that numbers it (src/feed/sequence-changes.routine.ts). Every revision recorded from now on also gets a row in memory_changes, numbered in
 * commit order by the sequencer; revisions recorded before it are history, not news, and stay
 * out of the feed.
 */
export class Migration20261125053634ChangeFeed extends Migration {
  override up(): void {
    this.addSql(
      'create table "memory_feed_heads" ("workspace_id" text not null, "last_position" bigint not null default 0, "purged_through" bigint not null default 0, primary key ("workspace_id"))',
    );
    this.addSql(
      'create table "memory_changes" ("id" bigserial primary key, "workspace_id" text not null, "memory_id" uuid not null, "revision" bigint not null, "log_time" timestamptz not null default now(), "position" bigint null)',
    );
    this.addSql(
      'create unique index "memory_changes_position" on "memory_changes" ("workspace_id", "position") where position is not null',
    );
    this.addSql('create index "memory_changes_unsequenced" on "memory_changes" ("id") where position is null');
    this.addSql('create index "memory_changes_log_time" on "memory_changes" ("log_time")');
    this.addSql(
      "create or replace function memories_revision_on_insert_fn() returns trigger as $$ begin with recorded as (insert into memory_revisions\n      (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)\n    select changed.workspace_id, changed.id, changed.revision, changed.last_change, changed.update_time,\n      changed.last_change_key_id, changed.last_change_agent_id, changed.last_change_reason,\n      to_jsonb(changed) - '{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]\n    from inserted as changed\n    on conflict (workspace_id, memory_id, revision) do nothing\n    returning workspace_id, memory_id, revision)\n  insert into memory_changes (workspace_id, memory_id, revision) select workspace_id, memory_id, revision from recorded; return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create or replace function memories_revision_on_update_fn() returns trigger as $$ begin with recorded as (insert into memory_revisions\n      (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)\n    select changed.workspace_id, changed.id, changed.revision, changed.last_change, changed.update_time,\n      changed.last_change_key_id, changed.last_change_agent_id, changed.last_change_reason,\n      to_jsonb(changed) - '{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]\n    from updated as changed join previous\n      on previous.workspace_id = changed.workspace_id and previous.id = changed.id\n    where previous.revision is distinct from changed.revision\n    on conflict (workspace_id, memory_id, revision) do nothing\n    returning workspace_id, memory_id, revision)\n  insert into memory_changes (workspace_id, memory_id, revision) select workspace_id, memory_id, revision from recorded; return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create or replace function \"engram_sequence_changes\"(\"batch\" integer, \"announce_from\" text) returns jsonb language plpgsql as $$ begin declare\n  result jsonb;   payload text; begin\n  perform pg_advisory_xact_lock(7311882650001);   with pending as (\n      select id, workspace_id from memory_changes where position is null order by id limit batch),\n    numbered as (\n      select p.id, p.workspace_id, coalesce(h.last_position, 0)\n        + row_number() over (partition by p.workspace_id order by p.id) as position\n      from pending p left join memory_feed_heads h on h.workspace_id = p.workspace_id),\n    sequenced as (\n      update memory_changes c set position = n.position from numbered n\n      where c.id = n.id and c.position is null returning c.id),\n    heads as (\n      insert into memory_feed_heads (workspace_id, last_position)\n      select workspace_id, max(position) from numbered group by workspace_id\n      on conflict (workspace_id) do update set last_position = excluded.last_position\n      returning workspace_id, last_position)\n  select jsonb_build_object(\n      'numbered', (select count(*) from sequenced),\n      'heads', coalesce(jsonb_agg(jsonb_build_array(workspace_id, last_position::text)), '[]'::jsonb))\n    into result from heads;   if announce_from is not null and jsonb_array_length(result->'heads') > 0 then\n    payload := jsonb_build_object('from', announce_from, 'heads', result->'heads')::text;     if octet_length(payload) >= 7000 then\n      payload := jsonb_build_object('from', announce_from, 'heads', null)::text;     end if;     perform pg_notify('engram_memory_changes', payload);   end if;   return result; end; end $$",
    );
  }
}
