-- pending

select "s0"."workspace_id", "s0"."id", octet_length("s0".body) as "body_bytes" from "staged_writes" as "s0" where "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') and "s0"."state" = 'pending' and "s0"."expire_time" > '<time>' order by "s0"."id" desc limit 11;

-- expired, after an id

select "s0"."workspace_id", "s0"."id", octet_length("s0".body) as "body_bytes" from "staged_writes" as "s0" where "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') and "s0"."id" < '<uuid>' and "s0"."state" = 'pending' and "s0"."expire_time" <= '<time>' order by "s0"."id" desc limit 11;

-- applied

select "s0"."workspace_id", "s0"."id", octet_length("s0".body) as "body_bytes" from "staged_writes" as "s0" where "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') and "s0"."state" = 'applied' order by "s0"."id" desc limit 11;

-- any

select "s0"."workspace_id", "s0"."id", octet_length("s0".body) as "body_bytes" from "staged_writes" as "s0" where "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') order by "s0"."id" desc limit 11;

select "s0".* from "staged_writes" as "s0" where "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') and "s0"."id" in ('<uuid>') order by "s0"."id" desc;
