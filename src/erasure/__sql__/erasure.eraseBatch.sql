-- a batch

with refs as (
          select distinct r.type, r.id from memories m, lateral (
  select distinct x.type, x.id from jsonb_array_elements(m.mentions) e,
    lateral (values (e->>'type', e->>'id'), (e->'from'->>'type', e->'from'->>'id')) as x(type, id)
  where x.type is not null) r
          where m.workspace_id = 'ws-sql' and m.id = any('{"<uuid>"}'::uuid[])),
        gone as (delete from memories where workspace_id = 'ws-sql' and id = any('{"<uuid>"}'::uuid[])
          returning id, agent_id, visibility, mentions),
        revisions as (delete from memory_revisions where workspace_id = 'ws-sql' and memory_id = any('{"<uuid>"}'::uuid[])
          returning 1),
        changes as (delete from memory_changes where workspace_id = 'ws-sql' and memory_id = any('{"<uuid>"}'::uuid[])
          returning 1),
        tombstones as (insert into memory_changes (workspace_id, memory_id, revision, erased, agent_id, visibility)
          select 'ws-sql', id, 0, true, agent_id, visibility from gone),
        staged as (delete from staged_writes where workspace_id = 'ws-sql' and memory_ids && '{"<uuid>"}'::uuid[]
          returning 1),
        requests as (delete from write_requests where workspace_id = 'ws-sql' and memory_ids && '{"<uuid>"}'::uuid[]
          returning 1),
        entities as (delete from entities e using refs where e.workspace_id = 'ws-sql'
          and e.type = refs.type and e.id = refs.id and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = e.type and n.id = e.id and n.memory_id not in (select unnest('{"<uuid>"}'::uuid[]))) returning 1),
        merges as (delete from entity_merges g using refs where g.workspace_id = 'ws-sql'
          and g.into_type = refs.type and g.into_id = refs.id and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = g.into_type and n.id = g.into_id and n.memory_id not in (select unnest('{"<uuid>"}'::uuid[])))
          returning 1)
        select (select coalesce(array_agg(id::text), '{}') from gone) as ids, (select count(*) from gone) as memories,
          (select count(*) from revisions) as revisions, (select count(*) from changes) as changes, (select count(*) from staged) as staged_writes,
          (select count(*) from requests) as write_requests, (select count(*) from entities) as entities, (select count(*) from merges) as entity_merges,
          (select count(*) from gone,
  lateral (select distinct m->>'type', m->>'id' from jsonb_array_elements(gone.mentions) m) d) as mentions;
