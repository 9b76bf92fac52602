-- every predicate

with refs(type, id) as (select * from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[])),
        hits as (select memories.id, memories.update_time, memories.mentions, memories.relations, memories.found_relations from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select newest.memory_id from refs f cross join lateral (
      select n.memory_id, n.update_time from entity_names n where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
      order by n.update_time desc, n.memory_id desc limit 1000) newest
    group by newest.memory_id order by max(newest.update_time) desc, newest.memory_id desc limit 1000)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) order by update_time desc, id desc limit 1000),
        -- Each part names its columns: Citus drops a CTE's column list when it sends the query on.
        given as (select s->>'type' as subject_type, s->>'id' as subject_id, r->>'predicate' as predicate,
          o->>'type' as object_type, o->>'id' as object_id, h.id as memory_id, h.update_time
        from hits h cross join lateral (
      select r from jsonb_array_elements(h.relations) r
      union all
      select jsonb_build_object('subject', s, 'predicate', w->>'predicate', 'object', o)
      from jsonb_array_elements(h.found_relations) w,
        lateral (select m from jsonb_array_elements(h.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'subject' limit 1) as sm(s),
        lateral (select m from jsonb_array_elements(h.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'object' limit 1) as om(o)) as given(r)
    cross join lateral (select coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(h.mentions) m where m->'from' = jsonb_build_object('type', r->'subject'->>'type', 'id', r->'subject'->>'id')
    limit 1), r->'subject'), coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(h.mentions) m where m->'from' = jsonb_build_object('type', r->'object'->>'type', 'id', r->'object'->>'id')
    limit 1), r->'object')) as ends(s, o)
        where true
          and exists (select 1 from refs f where (f.type = s->>'type' and f.id = s->>'id')
            or (f.type = o->>'type' and f.id = o->>'id')) union select distinct f.type as subject_type, f.id as subject_id, 'co_mentioned' as predicate,
          x.type as object_type, x.id as object_id, h.id as memory_id, h.update_time
        from hits h cross join lateral jsonb_to_recordset(h.mentions) as y(type text, id text)
        join refs f on f.type = y.type and f.id = y.id
        cross join lateral jsonb_to_recordset(h.mentions) as x(type text, id text)
        where not (x.type = f.type and x.id = f.id))
        select subject_type, subject_id, predicate, object_type, object_id, count(distinct memory_id) as weight,
          (array_agg(memory_id::text order by update_time desc, memory_id desc))[1:5] as memory_ids
        from given group by 1, 2, 3, 4, 5
        order by weight desc, 1, 2, 3, 4, 5;

-- stated ones only, as of a time

with refs(type, id) as (select * from unnest('{"person"}'::text[], '{"ana"}'::text[])),
        hits as (select memories.id, memories.update_time, memories.mentions, memories.relations, memories.found_relations from (select memories.* from (
        select distinct on (r.memory_id) r.memory from memory_revisions r
        where r.workspace_id = 'ws-sql' and r.change_time <= '<time>'
        order by r.memory_id, r.revision desc) as r
      cross join lateral jsonb_populate_record(null::memories, r.memory || jsonb_build_object('mentions',
        (select case when not exists (select 1 from entity_merges g where g.workspace_id = 'ws-sql'::text and g.create_time <= '<time>'::timestamptz)
    then coalesce(r.memory->'mentions', '[]'::jsonb)
    else (select coalesce(jsonb_agg(m order by ord), '[]'::jsonb) from (
      select distinct on (m->>'type', m->>'id', m->>'role', m->'from') m, ord from (
        select case when t.target is null then r.own
            else r.own || t.target || jsonb_build_object('from', jsonb_build_object('type', r.own->>'type', 'id', r.own->>'id'))
          end as m, r.ord
        from (select case when e->'from' is not null then (e - 'from') || (e->'from') else e end as own, ord
            from jsonb_array_elements(coalesce(r.memory->'mentions', '[]'::jsonb)) with ordinality as x(e, ord)) r
          cross join lateral (select (with recursive chain(type, id, depth) as (
    select r.own->>'type', r.own->>'id', 0
    union all
    select g.into_type, g.into_id, c.depth + 1 from chain c join entity_merges g
      on g.workspace_id = 'ws-sql'::text and g.from_type = c.type and g.from_id = c.id
        and g.create_time <= '<time>'::timestamptz and (g.undo_time is null or g.undo_time > '<time>'::timestamptz)
    where c.depth < 16)
  select jsonb_build_object('type', type, 'id', id) from chain where depth > 0 order by depth desc limit 1) as target) t) mapped
      order by m->>'type', m->>'id', m->>'role', m->'from', ord) once)
    end))) as memories
    ) as memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) and ((memories.mentions @> '[{"type":"person","id":"ana"}]'::jsonb)) order by update_time desc, id desc limit 1000),
        -- Each part names its columns: Citus drops a CTE's column list when it sends the query on.
        given as (select s->>'type' as subject_type, s->>'id' as subject_id, r->>'predicate' as predicate,
          o->>'type' as object_type, o->>'id' as object_id, h.id as memory_id, h.update_time
        from hits h cross join lateral (
      select r from jsonb_array_elements(h.relations) r
      union all
      select jsonb_build_object('subject', s, 'predicate', w->>'predicate', 'object', o)
      from jsonb_array_elements(h.found_relations) w,
        lateral (select m from jsonb_array_elements(h.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'subject' limit 1) as sm(s),
        lateral (select m from jsonb_array_elements(h.mentions) m
          where m->>'role' = 'content' and m->>'text' = w->>'object' limit 1) as om(o)) as given(r)
    cross join lateral (select coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(h.mentions) m where m->'from' = jsonb_build_object('type', r->'subject'->>'type', 'id', r->'subject'->>'id')
    limit 1), r->'subject'), coalesce((select jsonb_build_object('type', m->>'type', 'id', m->>'id')
    from jsonb_array_elements(h.mentions) m where m->'from' = jsonb_build_object('type', r->'object'->>'type', 'id', r->'object'->>'id')
    limit 1), r->'object')) as ends(s, o)
        where r->>'predicate' = any('{"works_at"}'::text[])
          and exists (select 1 from refs f where (f.type = s->>'type' and f.id = s->>'id')
            or (f.type = o->>'type' and f.id = o->>'id')))
        select subject_type, subject_id, predicate, object_type, object_id, count(distinct memory_id) as weight,
          (array_agg(memory_id::text order by update_time desc, memory_id desc))[1:5] as memory_ids
        from given group by 1, 2, 3, 4, 5
        order by weight desc, 1, 2, 3, 4, 5;

-- co_mentioned only

with refs(type, id) as (select * from unnest('{"person"}'::text[], '{"ana"}'::text[])),
        hits as (select memories.id, memories.update_time, memories.mentions, memories.relations, memories.found_relations from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select newest.memory_id from refs f cross join lateral (
      select n.memory_id, n.update_time from entity_names n where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
      order by n.update_time desc, n.memory_id desc limit 1000) newest
    group by newest.memory_id order by max(newest.update_time) desc, newest.memory_id desc limit 1000)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) order by update_time desc, id desc limit 1000),
        -- Each part names its columns: Citus drops a CTE's column list when it sends the query on.
        given as (select distinct f.type as subject_type, f.id as subject_id, 'co_mentioned' as predicate,
          x.type as object_type, x.id as object_id, h.id as memory_id, h.update_time
        from hits h cross join lateral jsonb_to_recordset(h.mentions) as y(type text, id text)
        join refs f on f.type = y.type and f.id = y.id
        cross join lateral jsonb_to_recordset(h.mentions) as x(type text, id text)
        where not (x.type = f.type and x.id = f.id))
        select subject_type, subject_id, predicate, object_type, object_id, count(distinct memory_id) as weight,
          (array_agg(memory_id::text order by update_time desc, memory_id desc))[1:5] as memory_ids
        from given group by 1, 2, 3, 4, 5
        order by weight desc, 1, 2, 3, 4, 5;
