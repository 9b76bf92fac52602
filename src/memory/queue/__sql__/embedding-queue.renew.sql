-- a claim's lease

update memories m set embedding_retry_time = '<time>'
        from unnest('{"ws-sql"}'::text[], '{"<uuid>"}'::uuid[]) as j(workspace_id, id)
        where m.workspace_id = j.workspace_id and m.id = j.id and m.embedding_status = 'pending'
          and m.embedding_retry_time = '<time>'
        returning m.id;
