-- every key

select count(*) as "count" from "api_keys" as "a0";
