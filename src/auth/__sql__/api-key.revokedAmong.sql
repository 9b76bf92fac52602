-- two ids

select "a0"."workspace_id", "a0"."id" from "api_keys" as "a0" where "a0"."id" in ('<uuid>', '<uuid>') and "a0"."revoke_time" is not null;
