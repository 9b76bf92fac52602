-- the first page

select body from erasure_receipts
        where workspace_id = 'ws-sql' and (false or key_id = 'key-1')
          and (null::uuid is null or id < null::uuid)
        order by id desc limit 51;

-- a later page, as an admin

select body from erasure_receipts
        where workspace_id = 'ws-sql' and (true or key_id = 'key-1')
          and ('<uuid>'::uuid is null or id < '<uuid>'::uuid)
        order by id desc limit 51;
