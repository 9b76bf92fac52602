-- a batch

select workspace_id from memories where embedding_status = 'pending' and delete_time is null
  and (embedding_retry_time is null or embedding_retry_time <= '<time>')
  and coalesce(embedding_retry_time, update_time) <= '<time>' and workspace_id <> all('{}'::text[])
          order by coalesce(embedding_retry_time, update_time) limit 1;

with claimed as materialized (
          select id from memories where workspace_id = 'ws-sql' and embedding_status = 'pending' and delete_time is null
  and (embedding_retry_time is null or embedding_retry_time <= '<time>')
  and coalesce(embedding_retry_time, update_time) <= '<time>'
          order by coalesce(embedding_retry_time, update_time) limit 8 for update skip locked)
        update memories m
          set embedding_retry_time = '<time>', embedding_attempts = m.embedding_attempts + 1
        from claimed
        where m.workspace_id = 'ws-sql' and m.id = claimed.id
        returning m.workspace_id, m.id, m.content, m.embedding_attempts;
