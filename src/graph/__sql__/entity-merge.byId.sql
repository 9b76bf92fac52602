-- locked for its undo

select * from entity_merges where workspace_id = 'ws-sql' and id = '<uuid>'::uuid for update;
