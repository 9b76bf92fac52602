-- a request

insert into "write_requests" ("workspace_id", "agent_scope", "request_id", "request_hash", "create_time") values ('ws-sql', 'agent-1', 'request-1', 'hash', '<time>') on conflict ("workspace_id", "agent_scope", "request_id") do nothing returning "memory_ids";
