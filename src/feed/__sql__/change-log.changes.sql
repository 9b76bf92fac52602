-- every state

with page as ((
          select f.position, f.change, f.change_time, f.change_key_id, f.change_agent_id, f.change_reason,
            memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, null::uuid as erased_id
          from (
            select c.position, r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
              r.reason as change_reason, r.memory as snapshot
            from memory_changes c join memory_revisions r
              on r.workspace_id = c.workspace_id and r.memory_id = c.memory_id and r.revision = c.revision
            where c.workspace_id = 'ws-sql' and c.position > '0'::bigint and c.position <= '10'::bigint
          ) as f cross join lateral jsonb_populate_record(null::memories, f.snapshot) as memories
          where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1'))
          order by f.position limit 10
        ) union all (
          -- Tombstones, to whoever could read the memory, whatever their filter: what it matched is erased.
          select c.position, 'erased', c.log_time, null, null, null, memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, c.memory_id
          from memory_changes c cross join lateral jsonb_populate_record(null::memories, null) as memories
          where c.workspace_id = 'ws-sql' and c.position > '0'::bigint and c.position <= '10'::bigint and c.erased
            and (c.visibility = 'shared' or c.agent_id is null or c.agent_id = 'agent-1')
          order by c.position limit 10))
        select h.purged_through, page.*
        from (select coalesce(max(purged_through), 0) as purged_through
          from memory_feed_heads where workspace_id = 'ws-sql') as h
        left join page on true
        order by page.position limit 10;

-- active memories, every filter

with page as ((
          select f.position, f.change, f.change_time, f.change_key_id, f.change_agent_id, f.change_reason,
            memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, null::uuid as erased_id
          from (
            select c.position, r.change, r.change_time, r.key_id as change_key_id, r.agent_id as change_agent_id,
              r.reason as change_reason, r.memory as snapshot
            from memory_changes c join memory_revisions r
              on r.workspace_id = c.workspace_id and r.memory_id = c.memory_id and r.revision = c.revision
            where c.workspace_id = 'ws-sql' and c.position > '0'::bigint and c.position <= '10'::bigint
          ) as f cross join lateral jsonb_populate_record(null::memories, f.snapshot) as memories
          where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and subject_id = 'acme' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and tags && '{"pricing","renewal"}'::text[] and linked_entities @> '[{"type":"company","id":"acme"}]'::jsonb and visibility = 'shared' and agent_id = any('{"agent-1","agent-2"}'::text[]) and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and (delete_time is null or f.change = 'deleted') and (expire_time is null or expire_time > f.change_time or f.change = 'expired') and (superseded_by is null or f.change = 'superseded') and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1'))
          order by f.position limit 10
        ) union all (
          -- Tombstones, to whoever could read the memory, whatever their filter: what it matched is erased.
          select c.position, 'erased', c.log_time, null, null, null, memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, c.memory_id
          from memory_changes c cross join lateral jsonb_populate_record(null::memories, null) as memories
          where c.workspace_id = 'ws-sql' and c.position > '0'::bigint and c.position <= '10'::bigint and c.erased
            and (c.visibility = 'shared' or c.agent_id is null or c.agent_id = 'agent-1')
          order by c.position limit 10))
        select h.purged_through, page.*
        from (select coalesce(max(purged_through), 0) as purged_through
          from memory_feed_heads where workspace_id = 'ws-sql') as h
        left join page on true
        order by page.position limit 10;
