/**
 * The triggers that record every change of a memory as a revision (memory_revisions, see
 * src/history/memory-revision.entity.ts), in the change's own transaction, so that no way of
 * changing a memory can skip its history. They run once per statement over its transition
 * table: a batch of 100 inserts makes one INSERT ... SELECT, not 100 trigger calls. Each
 * revision is the row as the change left it, without what derives from its content (vector,
 * search index, fingerprint, the worker's retries), with the last_change columns as the
 * revision's own. An update that leaves the revision as it was (the embedding worker's vector)
 * records nothing. Keyed on the revision: an import bringing a memory's history writes that
 * history over what these recorded. Each recorded revision also enters the change log that
 * WatchMemories reads (memory_changes, src/feed/memory-change.entity.ts).
 */
const OMITTED = `'{embedding,search,content_fingerprint,embedding_attempts,embedding_retry_time,last_change,last_change_key_id,last_change_agent_id,last_change_reason}'::text[]`;

export function recordRevisions(from: string): string {
  return `with recorded as (insert into memory_revisions
      (workspace_id, memory_id, revision, change, change_time, key_id, agent_id, reason, memory)
    select changed.workspace_id, changed.id, changed.revision, changed.last_change, changed.update_time,
      changed.last_change_key_id, changed.last_change_agent_id, changed.last_change_reason,
      to_jsonb(changed) - ${OMITTED}
    ${from}
    on conflict (workspace_id, memory_id, revision) do nothing
    returning workspace_id, memory_id, revision)
  insert into memory_changes (workspace_id, memory_id, revision) select workspace_id, memory_id, revision from recorded`;
}

function trigger(name: string, event: string, tables: string, body: string): string {
  const fn = `memories_${name}_fn`;
  return `create or replace function ${fn}() returns trigger as $$ begin ${body}; return null; end; $$ language plpgsql;
create trigger ${name} after ${event} on memories referencing ${tables} for each statement execute function ${fn}()`;
}

export const REVISION_ON_INSERT = trigger(
  "revision_on_insert",
  "insert",
  "new table as inserted",
  recordRevisions("from inserted as changed"),
);

export const REVISION_ON_UPDATE = trigger(
  "revision_on_update",
  "update",
  "old table as previous new table as updated",
  recordRevisions(`from updated as changed join previous
      on previous.workspace_id = changed.workspace_id and previous.id = changed.id
    where previous.revision is distinct from changed.revision`),
);
