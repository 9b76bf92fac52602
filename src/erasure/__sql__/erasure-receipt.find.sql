-- by id

select body from erasure_receipts
        where workspace_id = 'ws-sql' and id = '<uuid>'::uuid and (false or key_id = 'key-1');
