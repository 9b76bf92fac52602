-- the folder's, unless another fold runs

select pg_try_advisory_xact_lock(1919249505, hashtext('ws-sql')) as got;

select array_agg(r.tally_id order by r.tally_id)::text[] as ids, count(*) filter (where not r.folded) as unfolded
      from (select distinct type, id, reader, predicate, other_type, other_id, outward from (select type, id, reader, predicate, other_type, other_id, outward from relation_tallies where workspace_id = 'ws-sql' and not folded
        order by tally_id limit 5000) u) k
      cross join lateral (select r.tally_id, r.folded from relation_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.predicate = k.predicate and r.other_type = k.other_type and r.other_id = k.other_id and r.outward = k.outward offset 0) r;

with gone as (select * from (select r.* from (select distinct type, id, reader, predicate, other_type, other_id, outward from relation_tallies t
    where t.workspace_id = 'ws-sql' and not t.folded and t.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24","25","26","27","28","29","30","31","32","33","34","35","36","37","38","39","40","41","42","43","44","45","46","47","48","49","50","51","52","53","54","55","56","57","58","59","60","61","62","63","64","65","66","67","68","69","70","71","72","73","74","75","76","77","78","79","80","81","82","83","84","85","86","87","88","89","90","91","92","93","94","95","96","97","98","99","100","101","102","103","104","105","106","107","108","109","110","111","112","113","114","115","116","117","118","119","120","121","122","123","124","125","126","127","128","129","130","131","132"}'::bigint[])) k cross join lateral (select r.* from relation_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.predicate = k.predicate and r.other_type = k.other_type and r.other_id = k.other_id and r.outward = k.outward offset 0) r where r.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24","25","26","27","28","29","30","31","32","33","34","35","36","37","38","39","40","41","42","43","44","45","46","47","48","49","50","51","52","53","54","55","56","57","58","59","60","61","62","63","64","65","66","67","68","69","70","71","72","73","74","75","76","77","78","79","80","81","82","83","84","85","86","87","88","89","90","91","92","93","94","95","96","97","98","99","100","101","102","103","104","105","106","107","108","109","110","111","112","113","114","115","116","117","118","119","120","121","122","123","124","125","126","127","128","129","130","131","132"}'::bigint[])) as rows),
        -- Each memory's latest delta per key says whether it still gives the relation, and when it
        -- last changed (the times the deltas carry: no memory is read).
        events as (select g.workspace_id, g.type, g.id, g.reader, g.predicate, g.other_type, g.other_id, g.outward,
            u.memory_id, u.present, u.time,
            row_number() over (partition by workspace_id, type, id, reader, predicate, other_type, other_id, outward, u.memory_id order by g.tally_id desc) as latest
          from gone g cross join lateral (select m, true, t from unnest(g.memory_ids, g.memory_times) as x(m, t)
            union all select m, false, null from unnest(g.gone_ids) as y(m)) as u(memory_id, present, time)),
        ranked as (select workspace_id, type, id, reader, predicate, other_type, other_id, outward, memory_id, time,
            row_number() over (partition by workspace_id, type, id, reader, predicate, other_type, other_id, outward order by time desc, memory_id desc) as rank
          from events where latest = 1 and present),
        -- Each key's sum and newest memories in one grouping: joined, the planner (which takes a
        -- CTE for a row or two) scanned one for every row of the other.
        kept as (select workspace_id, type, id, reader, predicate, other_type, other_id, outward, sum(n) as n, coalesce(min(ids), '{}') as ids, coalesce(min(times), '{}') as times
          from (select workspace_id, type, id, reader, predicate, other_type, other_id, outward, n, null::uuid[] as ids, null::timestamptz[] as times from gone
            union all
            select workspace_id, type, id, reader, predicate, other_type, other_id, outward, 0, array_agg(memory_id order by rank), array_agg(time order by rank)
            from ranked where rank <= 5 group by 1, 2, 3, 4, 5, 6, 7, 8) c
          group by 1, 2, 3, 4, 5, 6, 7, 8 having sum(n) > 0),
        -- Removals can leave fewer memories listed than give the relation: read them anew.
        refilled as (select k.*, coalesce(again.ids, k.ids) as listed, coalesce(again.times, k.times) as listed_times
          from kept k left join lateral (select array_agg(g.id order by g.update_time desc, g.id desc) as ids,
      array_agg(g.update_time order by g.update_time desc, g.id desc) as times
    from (select m.id, m.update_time from entity_names a
      join entity_names b on b.workspace_id = 'ws-sql' and b.type = k.other_type and b.id = k.other_id
        and b.memory_id = a.memory_id
      join memories m on m.workspace_id = 'ws-sql' and m.id = a.memory_id
      where cardinality(k.ids) < least(5, k.n) and a.workspace_id = 'ws-sql' and a.type = k.type and a.id = k.id
        and (k.reader = '*' or case when a.visibility = 'shared' or a.agent_id is null then '' when a.agent_id in ('', '*') or a.agent_id like '@%' then '@' || a.agent_id else a.agent_id end = k.reader) and a.delete_time is null and a.superseded_by is null and a.expire_time is null and a.valid_until is null and (a.valid_from is null or a.valid_from <= a.create_time)
        and (k.predicate = 'co_mentioned' or exists (select 1 from lateral (
      select r from jsonb_array_elements(m.relations) r
      union all
      select jsonb_build_object('subject', s, 'predicate', w->>'predicate', 'object', o)
      from jsonb_array_elements(m.found_relations) w,
        lateral (select m from jsonb_array_elements(m.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'subject' limit 1) as sm(s),
        lateral (select m from jsonb_array_elements(m.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'object' limit 1) as om(o)) as given(r)
    cross join lateral (select coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(m.mentions) m where m->'from' = jsonb_build_object('type', r->'subject'->>'type', 'id', r->'subject'->>'id')
    limit 1), r->'subject'), coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(m.mentions) m where m->'from' = jsonb_build_object('type', r->'object'->>'type', 'id', r->'object'->>'id')
    limit 1), r->'object')) as ends(s, o) where r->>'predicate' = k.predicate
    and (s->>'type', s->>'id', o->>'type', o->>'id') = case when k.outward
      then (k.type, k.id, k.other_type, k.other_id) else (k.other_type, k.other_id, k.type, k.id) end))
      order by m.update_time desc, m.id desc limit 5) g
    having count(*) > 0) again on true)
        insert into relation_tallies (workspace_id, type, id, reader, predicate, other_type, other_id, outward, n, memory_ids, memory_times, folded)
          select workspace_id, type, id, reader, predicate, other_type, other_id, outward, n, listed, listed_times, true from refilled;

delete from relation_tallies where workspace_id = 'ws-sql' and ctid = any(array(
      select r.ctid from (select distinct type, id, reader, predicate, other_type, other_id, outward from relation_tallies t
    where t.workspace_id = 'ws-sql' and not t.folded and t.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24","25","26","27","28","29","30","31","32","33","34","35","36","37","38","39","40","41","42","43","44","45","46","47","48","49","50","51","52","53","54","55","56","57","58","59","60","61","62","63","64","65","66","67","68","69","70","71","72","73","74","75","76","77","78","79","80","81","82","83","84","85","86","87","88","89","90","91","92","93","94","95","96","97","98","99","100","101","102","103","104","105","106","107","108","109","110","111","112","113","114","115","116","117","118","119","120","121","122","123","124","125","126","127","128","129","130","131","132"}'::bigint[])) k cross join lateral (select r.ctid, r.tally_id from relation_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.predicate = k.predicate and r.other_type = k.other_type and r.other_id = k.other_id and r.outward = k.outward offset 0) r
      where r.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24","25","26","27","28","29","30","31","32","33","34","35","36","37","38","39","40","41","42","43","44","45","46","47","48","49","50","51","52","53","54","55","56","57","58","59","60","61","62","63","64","65","66","67","68","69","70","71","72","73","74","75","76","77","78","79","80","81","82","83","84","85","86","87","88","89","90","91","92","93","94","95","96","97","98","99","100","101","102","103","104","105","106","107","108","109","110","111","112","113","114","115","116","117","118","119","120","121","122","123","124","125","126","127","128","129","130","131","132"}'::bigint[])));

-- an erasure's, waiting for another fold

select true as got from (select pg_advisory_xact_lock(1919249505, hashtext('ws-sql'))) as waited;

select array_agg(r.tally_id order by r.tally_id)::text[] as ids, count(*) filter (where not r.folded) as unfolded
      from (select distinct type, id, reader, predicate, other_type, other_id, outward from (select type, id, reader, predicate, other_type, other_id, outward from relation_tallies where workspace_id = 'ws-sql' and not folded
        order by tally_id limit 5000) u) k
      cross join lateral (select r.tally_id, r.folded from relation_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.predicate = k.predicate and r.other_type = k.other_type and r.other_id = k.other_id and r.outward = k.outward offset 0) r;
