-- the memories that mention it

update memories set mentions = mentions where workspace_id = 'ws-sql'
        and mentions @> '[{"type":"person","id":"ana"}]'::jsonb;
