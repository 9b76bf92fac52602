-- every entity, by last seen

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
    group by 1, 2)
        select seen.type, seen.id, coalesce(e.name, seen.id) as name, e.aliases, e.attributes,
          seen.mention_count, seen.first_seen, seen.last_seen
        from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id
        order by last_seen desc, type, id limit 10 offset 0;

-- of a type, by mentions, as of a time

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from (select memories.* from (
        select distinct on (r.memory_id) r.memory from memory_revisions r
        where r.workspace_id = 'ws-sql' and r.change_time <= '<time>'
        order by r.memory_id, r.revision desc) as r
      cross join lateral jsonb_populate_record(null::memories, r.memory) as memories) as memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) and m->>'type' = 'person'
    group by 1, 2)
        select seen.type, seen.id, coalesce(e.name, seen.id) as name, e.aliases, e.attributes,
          seen.mention_count, seen.first_seen, seen.last_seen
        from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id
        order by mention_count desc, last_seen desc, type, id limit 10 offset 0;

-- by name prefix and words, by name

with seen as (select e.type, e.id, s.mention_count, s.first_seen, s.last_seen
    from entities e cross join lateral (
      select count(*) as mention_count, min(memories.create_time) as first_seen,
        max(memories.update_time) as last_seen
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and memories.mentions @> jsonb_build_array(jsonb_build_object('type', e.type, 'id', e.id))) s
    where e.workspace_id = 'ws-sql' and (lower(e.name) like 'ac%' or e.id like 'ac%' or e.match_keys @> array['ac']) and exists (select 1 from unnest(e.match_keys) k where k like '%corp%') and s.mention_count > 0)
        select seen.type, seen.id, coalesce(e.name, seen.id) as name, e.aliases, e.attributes,
          seen.mention_count, seen.first_seen, seen.last_seen
        from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id
        order by lower(name), type, id limit 10 offset 0;
