-- two ids

select id from memories where id = any('{"<uuid>","<uuid>"}'::uuid[]) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1');
