-- the memories table

analyze memories;

select reltuples as rows from pg_class where oid = 'memories'::regclass;
