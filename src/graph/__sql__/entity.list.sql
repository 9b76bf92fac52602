-- every entity, by last seen

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
    group by 1, 2),
        joined as (
          select seen.*, e.name as chosen, e.aliases, e.attributes
          from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id),
        page as (select * from joined order by last_seen desc, type, id limit 10 offset 0)
        select page.*, coalesce(page.chosen, (select n.name from entity_names n where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) order by n.name limit 1), page.id) as name
        from page order by last_seen desc, type, id;

-- of a type, by mentions, as of a time

with seen as (select m->>'type' as type, m->>'id' as id, count(distinct memories.id) as mention_count,
      min(memories.create_time) as first_seen, max(memories.update_time) as last_seen
    from (select memories.* from (
        select distinct on (r.memory_id) r.memory from memory_revisions r
        where r.workspace_id = 'ws-sql' and r.change_time <= '<time>'
        order by r.memory_id, r.revision desc) as r
      cross join lateral jsonb_populate_record(null::memories, r.memory || jsonb_build_object('mentions',
        engram_entity_merged_mentions('ws-sql', coalesce(r.memory->'mentions', '[]'::jsonb), '<time>'::timestamptz))) as memories
    ) as memories cross join lateral jsonb_array_elements(memories.mentions) as m
    where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) and m->>'type' = 'person'
    group by 1, 2),
        joined as (
          select seen.*, e.name as chosen, e.aliases, e.attributes
          from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id),
        page as (select * from joined order by mention_count desc, last_seen desc, type, id limit 10 offset 0)
        select page.*, coalesce(page.chosen, (select n.name from (select workspace_id, type, id, memory_id, name, name_key from entity_names) n
    join (select memories.* from (
        select distinct on (r.memory_id) r.memory from memory_revisions r
        where r.workspace_id = 'ws-sql' and r.change_time <= '<time>'
        order by r.memory_id, r.revision desc) as r
      cross join lateral jsonb_populate_record(null::memories, r.memory || jsonb_build_object('mentions',
        engram_entity_merged_mentions('ws-sql', coalesce(r.memory->'mentions', '[]'::jsonb), '<time>'::timestamptz))) as memories
    ) as memories on memories.workspace_id = n.workspace_id and memories.id = n.memory_id where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and exists (select 1 from memories live where live.id = memories.id and live.workspace_id = 'ws-sql' and (live.visibility = 'shared' or live.agent_id is null or live.agent_id = 'agent-1')) order by n.name limit 1), page.id) as name
        from page order by mention_count desc, last_seen desc, type, id;

-- by name prefix and words, by name

with seen as (select c.type, c.id, s.mention_count, s.first_seen, s.last_seen
    from (
      select distinct n.type, n.id from entity_names n where n.workspace_id = 'ws-sql' and n.name_key like 'ac%' and n.name_key like '%corp%' and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)
      union
      select e.type, e.id from entities e where e.workspace_id = 'ws-sql' and exists (select 1 from unnest(e.match_keys) k where k like 'ac%') and exists (select 1 from unnest(e.match_keys) k where k like '%corp%')) c
    cross join lateral (select count(*) as mention_count, min(n.create_time) as first_seen, max(n.update_time) as last_seen from entity_names n where n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) s
    where s.mention_count > 0),
        joined as (
          select seen.*, e.name as chosen, e.aliases, e.attributes
          from seen left join entities e on e.workspace_id = 'ws-sql' and e.type = seen.type and e.id = seen.id),
        page as (select * from joined order by lower(coalesce(chosen, id)), type, id limit 10 offset 0)
        select page.*, coalesce(page.chosen, (select n.name from entity_names n where n.workspace_id = 'ws-sql' and n.type = page.type and n.id = page.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) order by n.name limit 1), page.id) as name
        from page order by lower(coalesce(chosen, id)), type, id;
