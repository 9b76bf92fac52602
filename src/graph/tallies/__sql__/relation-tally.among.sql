-- two entities

with refs(type, id) as (select * from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]))
        -- One probe of the key per pair, each pair once: a relation is kept under both its ends.
        select r.type, r.id, r.predicate, r.other_type, r.other_id, r.outward, r.reader, r.tally_id, r.n,
          r.memory_ids, r.memory_times, r.gone_ids
        from refs f join refs o on (f.type, f.id) <= (o.type, o.id) cross join lateral (
          select r.* from relation_tallies r
          where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and r.type = f.type and r.id = f.id and r.other_id = o.id and r.other_type = o.type
          -- Kept apart: merged into the join, the planner read all of a hub's rows and hashed them.
          offset 0) r
        -- A relation of an entity to itself is kept once, outward.
        where (f.type, f.id) < (o.type, o.id) or r.outward;
