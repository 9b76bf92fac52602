-- a key

insert into "api_keys" ("workspace_id", "id", "display_name", "scopes", "agent_id", "create_time", "revoke_time", "key_hash") values ('ws-sql', '<uuid>', 'ci', '{memory:read}', 'agent-1', '<time>', null, 'hash-of-secret') returning "display_name";
