-- a dry run's filter

with gone as materialized (select id, mentions from memories
          where workspace_id = 'ws-sql' and id in (select memories.id from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and subject_id = 'acme' and memories.agent_id = 'agent-1')),
        refs as (select distinct r.type, r.id from gone, lateral (
  select distinct x.type, x.id from jsonb_array_elements(gone.mentions) e,
    lateral (values (e->>'type', e->>'id'), (e->'from'->>'type', e->'from'->>'id')) as x(type, id)
  where x.type is not null) r)
        select (select count(*) from gone) as memories,
          (select count(*) from memory_revisions where workspace_id = 'ws-sql' and memory_id in (select id from gone)) as revisions,
          (select count(*) from memory_changes where workspace_id = 'ws-sql' and memory_id in (select id from gone)) as changes,
          (select count(*) from staged_writes where workspace_id = 'ws-sql' and memory_ids && (select coalesce(array_agg(id), '{}') from gone)) as staged_writes,
          (select count(*) from write_requests where workspace_id = 'ws-sql' and memory_ids && (select coalesce(array_agg(id), '{}') from gone)) as write_requests,
          (select coalesce(sum((select count(*) from (select distinct m->>'type', m->>'id' from jsonb_array_elements(gone.mentions) m) d)), 0) from gone) as mentions,
          (select count(*) from entities e join refs on e.type = refs.type and e.id = refs.id
            where e.workspace_id = 'ws-sql' and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = e.type and n.id = e.id and n.memory_id not in (select id from gone))) as entities,
          (select count(*) from entity_merges g join refs on g.into_type = refs.type and g.into_id = refs.id
            where g.workspace_id = 'ws-sql' and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = g.into_type and n.id = g.into_id and n.memory_id not in (select id from gone))) as entity_merges;
