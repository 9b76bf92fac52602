import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration: memory history (memory_revisions, written
 * by statement triggers on memories), validity windows and supersession. Memories stored before
 * it get their present state as their first recorded revision, so that every memory has a
 * history and as-of reads find them from their last change on.
 */
export class Migration20261125033732MemoryRevisions extends Migration {
  override up(): void {
    this.addSql(
      'create table "memory_revisions" ("workspace_id" text not null, "memory_id" uuid not null, "revision" bigint not null, "change" text not null, "change_time" timestamptz not null, "key_id" text null, "agent_id" text null, "reason" text null, "memory" jsonb not null, primary key ("workspace_id", "memory_id", "revision"))',
    );
    this.addSql(
      'alter table "memories" add "valid_from" timestamptz null, add "valid_until" timestamptz null, add "superseded_by" uuid null, add "last_change" text not null default \'created\', add "last_change_key_id" text null, add "last_change_agent_id" text null, add "last_change_reason" text null',
    );
    this.addSql(
      'create index "memories_unrecorded_expiry" on "memories" ("expire_time") where expire_time is not null and last_change <> \'expired\'',
    );
    this.addSql(
      "create or replace function memories_revision_on_insert_fn() returns trigger as $$ begin insert into memory_revisions\n      (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)\n    select changed.workspace_id, changed.id, changed.revision, changed.last_change, changed.update_time,\n      changed.last_change_key_id, changed.last_change_agent_id, changed.last_change_reason,\n      to_jsonb(changed) - '{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]\n    from inserted as changed\n    on conflict (workspace_id, memory_id, revision) do nothing; return null; end; $$ language plpgsql",
    );
    this.addSql(
      "create trigger revision_on_insert after insert on memories referencing new table as inserted for each statement execute function memories_revision_on_insert_fn()",
    );
    this.addSql(
      "create or replace function memories_revision_on_update_fn() returns trigger as $$ begin insert into memory_revisions\n      (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)\n    select changed.workspace_id, changed.id, changed.revision, changed.last_change, changed.update_time,\n      changed.last_change_key_id, changed.last_change_agent_id, changed.last_change_reason,\n      to_jsonb(changed) - '{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]\n    from updated as changed join previous\n      on previous.workspace_id = changed.workspace_id and previous.id = changed.id\n    where previous.revision is distinct from changed.revision\n    on conflict (workspace_id, memory_id, revision) do nothing; return null; end; $$ language plpgsql",
    );
    this.addSql(`insert into memory_revisions
        (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)
      select workspace_id, id, revision, case when revision = 1 then 'created' else 'updated' end, update_time,
        null, null, null, to_jsonb(memories) - '{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]
      from memories`);
    this.addSql(
      "create trigger revision_on_update after update on memories referencing old table as previous new table as updated for each statement execute function memories_revision_on_update_fn()",
    );
  }
}
