-- every entity, by last seen

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
    group by 1, 2), found as (select * from seen order by last_seen desc, type, id limit 10 offset 0), page as (select s.*, e.name as chosen, e.aliases, e.attributes
        from found s left join entities e on e.workspace_id = 'ws-sql' and e.type = s.type and e.id = s.id)
        select page.*, coalesce(page.chosen, (select min(name) from (select p.name from (select t.name, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
      min(t.gone_first) as gone_first, max(t.gone_last) as gone_last
    from entity_tallies t where t.workspace_id = 'ws-sql' and t.type = page.type and t.id = page.id and t.reader = any('{"","agent-1"}'::text[]) group by t.name) p where p.n > 0
    union all select n.name from entity_names n where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) names), page.id) as name
        from page order by last_seen desc, type, id;

-- of a type, by mentions, as of a time

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from (select memories.* from (
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
    ) as memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) and m->>'type' = 'person'
    group by 1, 2), found as (select * from seen order by mention_count desc, last_seen desc, type, id limit 10 offset 0), page as (select s.*, e.name as chosen, e.aliases, e.attributes
        from found s left join entities e on e.workspace_id = 'ws-sql' and e.type = s.type and e.id = s.id)
        select page.*, coalesce(page.chosen, (select n.name from (select workspace_id, type, id, memory_id, name, name_key from entity_names) n
    join (select memories.* from (
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
    ) as memories on memories.workspace_id = n.workspace_id and memories.id = n.memory_id where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) order by n.name limit 1), page.id) as name
        from page order by mention_count desc, last_seen desc, type, id;

-- by name prefix and words, by name

with seen as (with matched as materialized (
      select t.type, t.id, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
        bool_and(t.folded and t.sole_key) and not exists (select 1 from entity_tallies u
          where u.workspace_id = 'ws-sql' and u.type = t.type and u.id = t.id and not u.folded) as whole
      from entity_tallies t where t.workspace_id = 'ws-sql' and t.workspace_id = 'ws-sql' and t.name_key like 'ac%' and t.name_key like '%corp%' and t.reader = any('{"","agent-1"}'::text[]) group by t.type, t.id having sum(t.n) > 0)
    select m.type, m.id, m.n + coalesce(b.n, 0) as mention_count, least(m.first_seen, b.first_seen) as first_seen,
      greatest(m.last_seen, b.last_seen) as last_seen
    from matched m left join (
      select n.type, n.id, count(*) as n, min(n.create_time) as first_seen, max(n.update_time) as last_seen
      from entity_names n where n.workspace_id = 'ws-sql' and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and (n.type, n.id) in (select type, id from matched where whole)
        -- Most workspaces hold no bounded memory: one probe of their index says so (ordered as
        -- it is: else the planner, expecting many such rows, scanned the table for one).
        and (select true from entity_names x where x.workspace_id = 'ws-sql' and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time)
          order by x.type, x.id limit 1)
      group by 1, 2) b on b.type = m.type and b.id = m.id
    where m.whole
    union all
    select c.type, c.id, s.mention_count, s.first_seen, s.last_seen
    from (select type, id from matched where not whole
      union
      select x.type, x.id from (
        select n.type, n.id from entity_names n where n.workspace_id = 'ws-sql' and n.name_key like 'ac%' and n.name_key like '%corp%' and n.workspace_id = 'ws-sql' and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
        union
        select e.type, e.id from entities e where e.workspace_id = 'ws-sql' and exists (select 1 from unnest(e.match_keys) k where k like 'ac%') and exists (select 1 from unnest(e.match_keys) k where k like '%corp%')) x
      where not exists (select 1 from matched m where m.type = x.type and m.id = x.id)) c
    cross join lateral (select case when q.uncertain then x.mention_count else q.mention_count end as mention_count, case when q.uncertain then x.first_seen else q.first_seen end as first_seen, case when q.uncertain then x.last_seen else q.last_seen end as last_seen, case when q.uncertain then x.name_seen else q.name_seen end as name_seen
    from (select coalesce(k.n, 0) + b.n as mention_count, least(k.first_seen, b.first_seen) as first_seen,
        greatest(k.last_seen, b.last_seen) as last_seen, least(k.name_seen, b.name_seen) as name_seen, k.uncertain
      from (select sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen, null::text as name_seen,
          coalesce(min(t.gone_first) <= min(t.first_seen) or max(t.gone_last) >= max(t.last_seen), false) as uncertain
        from entity_tallies t where t.workspace_id = 'ws-sql' and t.type = c.type and t.id = c.id and t.reader = any('{"","agent-1"}'::text[])) k,
      (select count(*) as n, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen
        from entity_names n where n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) b) q
    -- Gated inside (a one-time filter: no row is read unless uncertain); in ON, or around the
    -- aggregate, the planner read every entity's rows and filtered after.
    cross join lateral (select count(*) as mention_count, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen from entity_names n where q.uncertain and n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) x) s
    where s.mention_count > 0), joined as (select s.*, e.name as chosen, e.aliases, e.attributes
        from seen s left join entities e on e.workspace_id = 'ws-sql' and e.type = s.type and e.id = s.id), page as (select * from joined order by lower(coalesce(chosen, id)), type, id limit 10 offset 0)
        select page.*, coalesce(page.chosen, (select min(name) from (select p.name from (select t.name, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
      min(t.gone_first) as gone_first, max(t.gone_last) as gone_last
    from entity_tallies t where t.workspace_id = 'ws-sql' and t.type = page.type and t.id = page.id and t.reader = any('{"","agent-1"}'::text[]) group by t.name) p where p.n > 0
    union all select n.name from entity_names n where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) names), page.id) as name
        from page order by lower(coalesce(chosen, id)), type, id;
