-- a held content

update memories set embedding_retry_time = null
        where workspace_id = 'ws-sql' and content_fingerprint = any('{"9fc479b89d78207d29aabc7d86a7dfc30e398c1ea937254584fa6fac1e443441"}'::text[])
          and content = any('{"pricing call booked"}'::text[]) and embedding_status = 'pending' and embedding_attempts = 0;
