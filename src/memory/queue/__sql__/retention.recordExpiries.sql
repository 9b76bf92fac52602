-- a batch

update memories set revision = revision + 1, update_time = expire_time, last_change = 'expired',
          last_change_key_id = null, last_change_agent_id = null, last_change_reason = null
        where (workspace_id, id) in (
          select workspace_id, id from memories
          where expire_time is not null and last_change <> 'expired' and expire_time <= '<time>'
            and delete_time is null
          limit 100)
        returning id;
