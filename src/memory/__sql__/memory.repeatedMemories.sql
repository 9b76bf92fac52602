-- a draft repeating a memory

select memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by from memories
        where workspace_id = 'ws-sql' and key is null
          and content_fingerprint = any('{"4f79b5412e104ff1f75119c63d406613adf1c0b5df9356780003ed7582f2af2e"}'::text[])
          and delete_time is null and superseded_by is null and (expire_time is null or expire_time > '<time>')
        order by create_time;
