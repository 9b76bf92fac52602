-- listed ids

select memories.id, memories.agent_id from memories
        where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1')
          and memories.id = any('{"<uuid>"}'::uuid[]);
