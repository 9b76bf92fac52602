-- a request

select "w0"."workspace_id", "w0"."agent_scope", "w0"."request_id", "w0"."request_hash", "w0"."response" from "write_requests" as "w0" where "w0"."workspace_id" = 'ws-sql' and "w0"."agent_scope" = 'agent-1' and "w0"."request_id" = 'request-1' limit 1;
