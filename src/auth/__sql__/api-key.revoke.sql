-- a key

select "a0".* from "api_keys" as "a0" where "a0"."workspace_id" = 'ws-sql' and "a0"."id" = '<uuid>' limit 1 for update;

update "api_keys" set "revoke_time" = '<time>' where "workspace_id" = 'ws-sql' and "id" = '<uuid>';

select pg_notify('engram_api_keys_changed', '<uuid>');
