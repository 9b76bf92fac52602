-- an agent's probe

select p.probe, near.* from unnest(
            '{"agent-1"}'::text[], '{"account"}'::text[],
            '{"acme"}'::text[], '{"[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0]"}'::vector[]
          ) with ordinality as p(agent_id, subject_type, subject_id, vector, probe)
        cross join lateral (
          select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, 1 - (memories.embedding <=> p.vector) as similarity
        from memories
        where memories.workspace_id = 'ws-sql' and memories.subject_type = p.subject_type and p.subject_id is not null and memories.subject_id = p.subject_id
          and memories.delete_time is null and memories.superseded_by is null
          and (memories.expire_time is null or memories.expire_time > '<time>')
          and memories.embedding is not null and memories.embedding_model = 'test:word-hash' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = p.agent_id)
          union all
          select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, 1 - (memories.embedding <=> p.vector) as similarity
        from memories
        where memories.workspace_id = 'ws-sql' and memories.subject_type = p.subject_type and p.subject_id is null and memories.subject_id is null
          and memories.delete_time is null and memories.superseded_by is null
          and (memories.expire_time is null or memories.expire_time > '<time>')
          and memories.embedding is not null and memories.embedding_model = 'test:word-hash' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = p.agent_id)
          order by similarity desc, id limit 4
        ) as near
        order by p.probe, near.similarity desc;

-- an admin's probe of a subject without id

select p.probe, near.* from unnest(
            '{"null"}'::text[], '{"account"}'::text[],
            '{"null"}'::text[], '{"[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0,0,0,0,0,0,0,0,0,0]"}'::vector[]
          ) with ordinality as p(agent_id, subject_type, subject_id, vector, probe)
        cross join lateral (
          select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, 1 - (memories.embedding <=> p.vector) as similarity
        from memories
        where memories.workspace_id = 'ws-sql' and memories.subject_type = p.subject_type and p.subject_id is not null and memories.subject_id = p.subject_id
          and memories.delete_time is null and memories.superseded_by is null
          and (memories.expire_time is null or memories.expire_time > '<time>')
          and memories.embedding is not null and memories.embedding_model = 'test:word-hash' and true
          union all
          select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by, 1 - (memories.embedding <=> p.vector) as similarity
        from memories
        where memories.workspace_id = 'ws-sql' and memories.subject_type = p.subject_type and p.subject_id is null and memories.subject_id is null
          and memories.delete_time is null and memories.superseded_by is null
          and (memories.expire_time is null or memories.expire_time > '<time>')
          and memories.embedding is not null and memories.embedding_model = 'test:word-hash' and true
          order by similarity desc, id limit 4
        ) as near
        order by p.probe, near.similarity desc;
