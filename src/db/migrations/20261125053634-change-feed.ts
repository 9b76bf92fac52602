import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration, with the revision trigger functions
 * replaced by hand (the generator compares triggers by name): the change log WatchMemories
 * reads. Every revision recorded from now on also gets a row in memory_changes, numbered in
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
  }
}
