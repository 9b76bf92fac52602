-- locked for a loop's end

select * from entity_merges where workspace_id = 'ws-sql' and from_type = 'company'
        and from_id = 'acme' and undo_time is null for update;
