-- now

select g.* from entity_merges g
        where g.workspace_id = 'ws-sql' and g.into_type = 'company' and g.into_id = 'acme'
          and g.create_time <= 'infinity'::timestamptz and (g.undo_time is null or g.undo_time > 'infinity'::timestamptz) and exists (
    with recursive back(type, id, depth) as (
      select g.from_type, g.from_id, 0
      union all
      select b.from_type, b.from_id, back.depth + 1 from back join entity_merges b
        on b.workspace_id = 'ws-sql' and b.into_type = back.type and b.into_id = back.id and b.create_time <= 'infinity'::timestamptz and (b.undo_time is null or b.undo_time > 'infinity'::timestamptz)
      where back.depth < 16)
    select 1 from back cross join memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and (memories.mentions @> jsonb_build_array(jsonb_build_object('type', back.type, 'id', back.id))
        or memories.mentions @> jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', back.type, 'id', back.id)))))
        order by g.create_time desc, g.id limit 50;

-- as of a time

select g.* from entity_merges g
        where g.workspace_id = 'ws-sql' and g.into_type = 'company' and g.into_id = 'acme'
          and g.create_time <= '<time>'::timestamptz and (g.undo_time is null or g.undo_time > '<time>'::timestamptz) and exists (
    with recursive back(type, id, depth) as (
      select g.from_type, g.from_id, 0
      union all
      select b.from_type, b.from_id, back.depth + 1 from back join entity_merges b
        on b.workspace_id = 'ws-sql' and b.into_type = back.type and b.into_id = back.id and b.create_time <= '<time>'::timestamptz and (b.undo_time is null or b.undo_time > '<time>'::timestamptz)
      where back.depth < 16)
    select 1 from back cross join (select memories.* from (
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
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) and (memories.mentions @> jsonb_build_array(jsonb_build_object('type', back.type, 'id', back.id))
        or memories.mentions @> jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', back.type, 'id', back.id)))))
        order by g.create_time desc, g.id limit 50;
