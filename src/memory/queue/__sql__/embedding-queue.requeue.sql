-- another model's

update "memories" set "embedding_status" = 'pending', "embedding_attempts" = 0, "embedding_retry_time" = null where "delete_time" is null and ("embedding_status" != 'attached' or "embedding_model" != 'test:word-hash' or "embedding_model" is null) returning "search";

-- everything

update "memories" set "embedding_status" = 'pending', "embedding_attempts" = 0, "embedding_retry_time" = null where "delete_time" is null returning "search";
