-- a keyed draft

select id from memories where workspace_id = 'ws-sql' and agent_id = 'agent-1' and subject_type = 'account' and subject_id = 'acme'
    and kind = 'note' and key = 'renewal-date' and id <> '<uuid>'::uuid;
