-- every predicate, ten an entity

select f.type, f.id, r.predicate, r.other_type, r.other_id, r.outward, sum(r.n) as weight, null as memory_ids
        from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]) as f(type, id)
        cross join lateral (select r.predicate, r.other_type, r.other_id, r.outward, r.n from relation_tallies r
          where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and array[r.type, r.id] = array[f.type, f.id]
          order by r.n desc limit 10) r
        group by 1, 2, 3, 4, 5, 6 having sum(r.n) > 0;

-- stated ones only

select f.type, f.id, r.predicate, r.other_type, r.other_id, r.outward, sum(r.n) as weight, null as memory_ids
        from unnest('{"person"}'::text[], '{"ana"}'::text[]) as f(type, id)
        cross join lateral (select r.predicate, r.other_type, r.other_id, r.outward, r.n from relation_tallies r
          where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and r.predicate = any('{"works_at"}'::text[]) and array[r.type, r.id] = array[f.type, f.id]
          order by r.n desc limit 10) r
        group by 1, 2, 3, 4, 5, 6 having sum(r.n) > 0;
