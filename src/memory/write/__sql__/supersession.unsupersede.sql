-- the undo

update memories set superseded_by = null,
          valid_until = (select (before.memory ->> 'valid_until')::timestamptz from memory_revisions before
            where before.workspace_id = memories.workspace_id and before.memory_id = memories.id
              and before.revision < (select max(revision) from memory_revisions s
                where s.workspace_id = memories.workspace_id and s.memory_id = memories.id and s.change = 'superseded')
            order by before.revision desc limit 1),
          update_time = '<time>', revision = revision + 1, last_change = 'unsuperseded', last_change_key_id = 'key-1',
    last_change_agent_id = 'agent-1', last_change_reason = null
        where workspace_id = 'ws-sql' and id = '<uuid>'
        returning memories.workspace_id, memories.id, memories.agent_id, memories.subject_type, memories.subject_id, memories.kind, memories.key, memories.content, memories.title, memories.visibility, memories.metadata, memories.tags, memories.linked_entities, memories.relations, memories.mentions, memories.confidence, memories.source_kind, memories.source_id, memories.provenance, memories.parent_memory_id, memories.expire_time, memories.forget_reason, memories.embedding_model, memories.embedding_status, memories.revision, memories.create_time, memories.update_time, memories.delete_time, memories.valid_from, memories.valid_until, memories.superseded_by;
