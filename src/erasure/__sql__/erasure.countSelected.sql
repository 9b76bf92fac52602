-- a filter

select count(*) as n from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and subject_id = 'acme' and memories.agent_id = 'agent-1';
