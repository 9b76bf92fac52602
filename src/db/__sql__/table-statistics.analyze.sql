-- the memories table

analyze memories;

select reltuples as rows from pg_class where oid = 'memories'::regclass;

-- with the tables its writes make

analyze memories, entity_names;

select reltuples as rows from pg_class where oid = 'memories'::regclass;

-- vacuuming the graph tallies (PGlite)

analyze memories, entity_names;

vacuum (analyze) entity_tallies, relation_tallies;

select reltuples as rows from pg_class where oid = 'memories'::regclass;
