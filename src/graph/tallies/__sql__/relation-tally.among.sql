-- two entities

with refs(type, id) as (select * from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[])),
        -- Only which way to read: the workspace's count, whoever may read it.
        sized as materialized (select f.type, f.id, coalesce((select sum(t.n) from entity_tallies t
            where t.workspace_id = 'ws-sql' and t.type = f.type and t.id = f.id), 0)
            <= 8 as small
          from refs f),
        found as (
          select r.* from sized f cross join lateral (select r.* from relation_tallies r
            where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and r.type = f.type and r.id = f.id and r.other_id = any('{"ana","acme"}'::text[]) offset 0) r
          join sized o on o.type = r.other_type and o.id = r.other_id
          where f.small and (not o.small or (f.type, f.id) < (o.type, o.id) or ((f.type, f.id) = (o.type, o.id) and r.outward))
          union all
          select r.* from sized f join sized o on not f.small and not o.small and (f.type, f.id) <= (o.type, o.id)
          cross join lateral (select r.* from relation_tallies r
            where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and r.type = f.type and r.id = f.id and r.other_id = o.id and r.other_type = o.type
            -- Kept apart: merged into the join, the planner read all of a hub's rows and hashed them.
            offset 0) r
          -- A relation of an entity to itself is kept once, outward.
          where (f.type, f.id) < (o.type, o.id) or r.outward)
        select coalesce(json_agg(json_build_object('type', type, 'id', id, 'predicate', predicate,
            'other_type', other_type, 'other_id', other_id, 'outward', outward, 'reader', reader, 'tally_id', tally_id,
            'n', n, 'memory_ids', memory_ids, 'memory_times', memory_times, 'gone_ids', gone_ids)), '[]')::text as found
        from found;
