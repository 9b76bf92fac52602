-- a staged write

insert into "staged_writes" ("workspace_id", "id", "agent_id", "agent_ids", "staged_by_key_id", "state", "body", "create_time", "expire_time", "resolve_time", "memory_ids") values ('ws-sql', '<uuid>', 'agent-1', '{agent-1}', 'key-1', 'pending', <bytes>, '<time>', '<time>', null, '{}') returning "agent_ids", "memory_ids";
