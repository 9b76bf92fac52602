-- count

select count(*) as "count" from "memories" as "m0" where "m0"."embedding_status" = 'pending' and "m0"."delete_time" is null;
