-- the first

select min(coalesce(embedding_retry_time, now())) as next from "memories" as "m0" where "m0"."embedding_status" = 'pending' and "m0"."delete_time" is null limit 1;
