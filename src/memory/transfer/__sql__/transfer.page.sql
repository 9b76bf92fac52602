-- a first page

select * from (select page_rows.*,
        sum(octet_length(content)) over (order by create_time, id rows between unbounded preceding and current row)
          as page_bytes_through
      from (select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, embedding::text as exported_embedding from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null order by create_time, id limit 10) page_rows) page
    where page_bytes_through - octet_length(content) < 4194304 order by create_time, id;

-- an owner's, after a position

select * from (select page_rows.*,
        sum(octet_length(content)) over (order by create_time, id rows between unbounded preceding and current row)
          as page_bytes_through
      from (select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, embedding::text as exported_embedding from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and subject_id = 'acme' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and tags && '{"pricing","renewal"}'::text[] and linked_entities @> '[{"type":"company","id":"acme"}]'::jsonb and visibility = 'shared' and agent_id = any('{"agent-1","agent-2"}'::text[]) and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and agent_id = 'agent-1' and (create_time, id) > ('<time>'::timestamptz, '<uuid>'::uuid) order by create_time, id limit 10) page_rows) page
    where page_bytes_through - octet_length(content) < 4194304 order by create_time, id;
