-- the first batch

select memories.id from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and subject_id = 'acme' and memories.agent_id = 'agent-1' order by memories.id limit 200;

-- a later page, every bound

select memories.id from memories where memories.workspace_id = 'ws-sql' and subject_type = 'account' and subject_id = 'acme' and memories.agent_id = 'agent-1' and memories.create_time >= '<time>' and memories.create_time < '<time>' and memories.id > '<uuid>'::uuid order by memories.id limit 200;
