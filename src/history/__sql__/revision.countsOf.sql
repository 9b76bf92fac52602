-- two memories

select memory_id, count(*) as n from memory_revisions
        where workspace_id = 'ws-sql' and memory_id = any('{"<uuid>","<uuid>"}'::uuid[]) group by memory_id;
