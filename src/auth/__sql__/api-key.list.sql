-- unrevoked, first page

select "a0".* from "api_keys" as "a0" where "a0"."workspace_id" = 'ws-sql' and "a0"."revoke_time" is null order by "a0"."id" asc limit 10;

-- revoked too, after an id

select "a0".* from "api_keys" as "a0" where "a0"."workspace_id" = 'ws-sql' and "a0"."id" > '<uuid>' order by "a0"."id" asc limit 10;
