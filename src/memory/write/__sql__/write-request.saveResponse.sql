-- a response

update "write_requests" set "response" = <bytes>, "memory_ids" = '{}' where "workspace_id" = 'ws-sql' and "agent_scope" = 'agent-1' and "request_id" = 'request-1';
