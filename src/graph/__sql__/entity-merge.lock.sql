-- the workspace's

select pg_advisory_xact_lock(1835364967, hashtext('ws-sql'));
