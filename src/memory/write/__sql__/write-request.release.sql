-- a request

delete from "write_requests" where "workspace_id" = 'ws-sql' and "agent_scope" = 'agent-1' and "request_id" = 'request-1';
