-- two entities

with refs(type, id) as (select * from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[])),
        -- The entities as the reader sees them (EntityRepository.seen), read here to save a statement.
        seen as materialized (select c.type, c.id, coalesce(e.name, s.name_seen, c.id) as name,
      e.aliases, e.attributes,
      s.mention_count, s.first_seen, s.last_seen
    from refs as c(type, id)
    cross join lateral (select case when q.uncertain then x.mention_count else q.mention_count end as mention_count, case when q.uncertain then x.first_seen else q.first_seen end as first_seen, case when q.uncertain then x.last_seen else q.last_seen end as last_seen, case when q.uncertain then x.name_seen else q.name_seen end as name_seen
    from (select coalesce(k.n, 0) + b.n as mention_count, least(k.first_seen, b.first_seen) as first_seen,
        greatest(k.last_seen, b.last_seen) as last_seen, least(k.name_seen, b.name_seen) as name_seen, k.uncertain
      from (select sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen, (select min(p.name) from (select t.name, sum(t.n) as n, min(t.first_seen) as first_seen, max(t.last_seen) as last_seen,
      min(t.gone_first) as gone_first, max(t.gone_last) as gone_last
    from entity_tallies t where t.workspace_id = 'ws-sql' and t.type = c.type and t.id = c.id and t.reader = any('{"","agent-1"}'::text[]) group by t.name) p where p.n > 0) as name_seen,
          coalesce(min(t.gone_first) <= min(t.first_seen) or max(t.gone_last) >= max(t.last_seen), false) as uncertain
        from entity_tallies t where t.workspace_id = 'ws-sql' and t.type = c.type and t.id = c.id and t.reader = any('{"","agent-1"}'::text[])) k,
      (select count(*) as n, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen
        from entity_names n where n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and delete_time is null and superseded_by is null and (expire_time is not null or valid_until is not null or valid_from > create_time) and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) b) q
    -- Gated inside (a one-time filter: no row is read unless uncertain); in ON, or around the
    -- aggregate, the planner read every entity's rows and filtered after.
    cross join lateral (select count(*) as mention_count, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen from entity_names n where q.uncertain and n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) x) s
    left join entities e on e.workspace_id = 'ws-sql' and e.type = c.type and e.id = c.id
    where s.mention_count > 0),
        -- Only which way to read: how many of the reader's memories mention the entity.
        sized as materialized (select f.type, f.id, coalesce(s.mention_count, 0) <= 8 as small
          from refs f left join seen s on s.type = f.type and s.id = f.id),
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
        select coalesce(json_agg(json_build_array(type, id, predicate, other_type, other_id, outward, reader, tally_id, n, memory_ids, memory_times, gone_ids)), '[]')::text as found,
          (select coalesce(json_agg(seen), '[]')::text from seen) as seen
        from found;
