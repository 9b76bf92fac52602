-- the newest

select * from (select page_rows.*,
        sum(octet_length(content)) over (order by page_revision desc rows between unbounded preceding and current row)
          as page_bytes_through
      from (select r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
  r.reason as change_reason, memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, r.revision as page_revision from memory_revisions r cross join lateral jsonb_populate_record(null::memories, r.memory) as memories
          where r.workspace_id = 'ws-sql' and r.memory_id = '<uuid>'::uuid
            and true
            and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and exists (select 1 from memories live where live.id = r.memory_id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1'))
          order by r.revision desc limit 10) page_rows) page
    where page_bytes_through - octet_length(content) < 4194304 order by page_revision desc;

-- before a revision

select * from (select page_rows.*,
        sum(octet_length(content)) over (order by page_revision desc rows between unbounded preceding and current row)
          as page_bytes_through
      from (select r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
  r.reason as change_reason, memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, r.revision as page_revision from memory_revisions r cross join lateral jsonb_populate_record(null::memories, r.memory) as memories
          where r.workspace_id = 'ws-sql' and r.memory_id = '<uuid>'::uuid
            and r.revision < '2'::bigint
            and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and exists (select 1 from memories live where live.id = r.memory_id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1'))
          order by r.revision desc limit 10) page_rows) page
    where page_bytes_through - octet_length(content) < 4194304 order by page_revision desc;
