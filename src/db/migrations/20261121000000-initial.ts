import { Migration } from "@mikro-orm/migrations";

export class Migration20261121000000Initial extends Migration {
  override up(): void {
    this.addSql(`create extension if not exists vector`);

    // Generated columns need immutable expressions; array_to_string is only stable.
    this.addSql(`
      create function engram_tags_text(tags text[]) returns text
      language sql immutable parallel safe
      as $$ select coalesce(string_agg(t, ' '), '') from unnest(tags) t $$`);

    this.addSql(`
      create table memories (
        workspace_id text not null,
        id uuid not null,
        agent_id text null,
        subject_type text not null,
        subject_id text null,
        kind text not null,
        key text null,
        content text not null,
        content_fingerprint text not null,
        title text not null default '',
        visibility text not null default 'private' check (visibility in ('private', 'shared')),
        metadata jsonb not null default '{}',
        tags text[] not null default '{}',
        linked_entities jsonb not null default '[]',
        confidence real not null default 1 check (confidence >= 0 and confidence <= 1),
        source_kind text null,
        source_id text null,
        provenance text null,
        parent_memory_id text null,
        expire_time timestamptz null,
        forget_reason text null,
        embedding vector(384) null,
        embedding_model text null,
        embedding_status text not null default 'pending',
        search tsvector generated always as (
          setweight(to_tsvector('english'::regconfig, title), 'A')
          || to_tsvector('english'::regconfig, content)
          || to_tsvector('english'::regconfig, engram_tags_text(tags))
          || jsonb_to_tsvector('english'::regconfig, metadata, '["string"]')
        ) stored,
        revision bigint not null default 1,
        create_time timestamptz not null,
        update_time timestamptz not null,
        delete_time timestamptz null,
        primary key (workspace_id, id)
      )`);
    this.addSql(`
      create unique index memories_natural_key on memories
        (workspace_id, agent_id, subject_type, subject_id, kind, key) nulls not distinct
        where key is not null`);
    this.addSql(`
      create index memories_subject on memories
        (workspace_id, subject_type, subject_id, kind, create_time)`);
    this.addSql(`
      create index memories_fingerprint on memories
        (workspace_id, subject_type, subject_id, kind, content_fingerprint) where key is null`);
    this.addSql(`create index memories_workspace_created on memories (workspace_id, create_time, id)`);
    this.addSql(`create index memories_search on memories using gin (search)`);
    this.addSql(`create index memories_tags on memories using gin (tags)`);
    this.addSql(`create index memories_linked_entities on memories using gin (linked_entities jsonb_path_ops)`);
    this.addSql(`create index memories_embedding on memories using hnsw (embedding vector_cosine_ops)`);
    this.addSql(`create index memories_purge on memories (coalesce(delete_time, expire_time))`);

    this.addSql(`
      create table api_keys (
        workspace_id text not null,
        id uuid not null,
        key_hash text not null,
        display_name text not null default '',
        scopes text[] not null,
        agent_id text null,
        create_time timestamptz not null,
        revoke_time timestamptz null,
        primary key (workspace_id, id)
      )`);
    this.addSql(`create unique index api_keys_hash on api_keys (workspace_id, key_hash)`);
    // Authentication looks keys up by hash alone, before the workspace is known.
    this.addSql(`create index api_keys_hash_lookup on api_keys (key_hash)`);

    this.addSql(`
      create table write_requests (
        workspace_id text not null,
        agent_scope text not null,
        request_id text not null,
        request_hash text not null,
        response bytea null,
        create_time timestamptz not null,
        primary key (workspace_id, agent_scope, request_id)
      )`);
    this.addSql(`create index write_requests_created on write_requests (create_time)`);
  }
}
