-- an imported revision

insert into memory_revisions (workspace_id, memory_id, revision, change, change_time, key_id, agent_id,
          reason, memory)
        values ('ws-sql', '<uuid>'::uuid, '1'::bigint, 'imported', '<time>'::timestamptz,
          'key-1', 'agent-1', null, '{"id":"<uuid>","content":"renewal due in march"}'::jsonb)
        on conflict (workspace_id, memory_id, revision) do update set change = excluded.change,
          change_time = excluded.change_time, key_id = excluded.key_id, agent_id = excluded.agent_id,
          reason = excluded.reason, memory = excluded.memory;
