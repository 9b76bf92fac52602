-- every predicate and type, ten rows an entity

with refs(type, id) as (select * from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]))
        select r.other_type as type, r.other_id as id, sum(r.n) as weight
        from refs f cross join lateral (select r.other_type, r.other_id, r.n from relation_tallies r
          where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and array[r.type, r.id] = array[f.type, f.id]
          order by r.n desc limit 10) r
        where not exists (select 1 from refs o where o.type = r.other_type and o.id = r.other_id)
        group by 1, 2 having sum(r.n) > 0
        order by 3 desc, 1, 2 limit 20;

-- stated ones to companies only

with refs(type, id) as (select * from unnest('{"person"}'::text[], '{"ana"}'::text[]))
        select r.other_type as type, r.other_id as id, sum(r.n) as weight
        from refs f cross join lateral (select r.other_type, r.other_id, r.n from relation_tallies r
          where r.workspace_id = 'ws-sql' and r.reader = any('{"","agent-1"}'::text[]) and r.predicate = any('{"works_at"}'::text[]) and r.other_type = any('{"company"}'::text[]) and array[r.type, r.id] = array[f.type, f.id]
          order by r.n desc limit 10) r
        where not exists (select 1 from refs o where o.type = r.other_type and o.id = r.other_id)
        group by 1, 2 having sum(r.n) > 0
        order by 3 desc, 1, 2 limit 20;
