-- by a private memory

select id from memories where workspace_id = 'ws-sql' and id = any('{"<uuid>"}'::uuid[])
        order by id for update;

update memories set superseded_by = '<uuid>'::uuid,
          valid_until = case when valid_until is not null and valid_until <= (case when visibility = 'private' and agent_id = 'agent-1' then '<time>'::timestamptz
            else '<time>'::timestamptz end) then valid_until
            else greatest((case when visibility = 'private' and agent_id = 'agent-1' then '<time>'::timestamptz
            else '<time>'::timestamptz end), coalesce(valid_from, create_time)) end,
          update_time = '<time>', revision = revision + 1, last_change = 'superseded', last_change_key_id = 'key-1',
    last_change_agent_id = 'agent-1', last_change_reason = null
        where workspace_id = 'ws-sql' and id = any('{"<uuid>"}'::uuid[])
          and superseded_by is null and delete_time is null
        returning id;
