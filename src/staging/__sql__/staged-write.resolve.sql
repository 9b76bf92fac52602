-- applied

update "staged_writes" set "state" = 'applied', "body" = <bytes>, "resolve_time" = '<time>', "memory_ids" = '{}' where "workspace_id" = 'ws-sql' and "id" = '<uuid>';
