-- a deletion

update memories set delete_time = '<time>', forget_reason = 'wrong',
          update_time = '<time>', revision = revision + 1, last_change = 'deleted', last_change_key_id = 'key-1',
    last_change_agent_id = 'agent-1', last_change_reason = 'wrong'
        where workspace_id = 'ws-sql' and id = '<uuid>'
        returning memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by;
