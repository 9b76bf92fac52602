-- the first

select min(embedding_retry_time) as next from "memories" as "m0" where "m0"."embedding_status" = 'pending' and "m0"."delete_time" is null limit 1;
