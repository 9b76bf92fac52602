-- to retry

update "memories" set "embedding_retry_time" = '<time>', "embedding_status" = 'pending' where "workspace_id" = 'ws-sql' and "id" = '<uuid>' and "embedding_status" = 'pending' returning "search";

-- failed for good

update "memories" set "embedding_retry_time" = '<time>', "embedding_status" = 'failed' where "workspace_id" = 'ws-sql' and "id" = '<uuid>' and "embedding_status" = 'pending' returning "search";
