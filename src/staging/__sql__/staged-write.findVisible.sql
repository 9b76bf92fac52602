-- an agent's read

select "s0".* from "staged_writes" as "s0" where "s0"."id" = '<uuid>' and "s0"."workspace_id" = 'ws-sql' and ("s0"."staged_by_key_id" = 'key-1' or "s0"."agent_ids" <@ '{agent-1}') limit 1;

-- an admin's, for update

select "s0".* from "staged_writes" as "s0" where "s0"."id" = '<uuid>' and "s0"."workspace_id" = 'ws-sql' limit 1 for update;
