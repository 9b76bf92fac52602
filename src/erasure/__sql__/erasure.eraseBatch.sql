-- a batch

select distinct r.type, r.id from memories m, lateral (
  select distinct x.type, x.id from jsonb_array_elements(m.mentions) e,
    lateral (values (e->>'type', e->>'id'), (e->'from'->>'type', e->'from'->>'id')) as x(type, id)
  where x.type is not null) r
        where m.workspace_id = 'ws-sql' and m.id = any('{"<uuid>"}'::uuid[]);

delete from memories where workspace_id = 'ws-sql' and id = any('{"<uuid>"}'::uuid[])
        returning id, agent_id, visibility, (select count(*) from (select distinct m->>'type', m->>'id' from jsonb_array_elements(mentions) m) d) as mentions;

delete from memory_revisions where workspace_id = 'ws-sql' and memory_id = any('{"<uuid>"}'::uuid[]) returning 1;

delete from memory_changes where workspace_id = 'ws-sql' and memory_id = any('{"<uuid>"}'::uuid[]) returning 1;

insert into memory_changes (workspace_id, memory_id, revision, erased, agent_id, visibility)
          select 'ws-sql', g.id, 0, true, g.agent_id, g.visibility
          from unnest('{"<uuid>"}'::uuid[], '{"null"}'::text[],
            '{"private"}'::text[]) as g(id, agent_id, visibility);

delete from entities e where e.workspace_id = 'ws-sql' and (e.type, e.id) in (select * from unnest('{"contact"}'::text[], '{"c-1"}'::text[]))
        and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = e.type and n.id = e.id and n.memory_id not in (select unnest('{"<uuid>"}'::uuid[]))) returning 1;

delete from entity_merges g where g.workspace_id = 'ws-sql' and (g.into_type, g.into_id) in (select * from unnest('{"contact"}'::text[], '{"c-1"}'::text[]))
        and not exists (select 1 from entity_names n where n.workspace_id = 'ws-sql'
    and n.type = g.into_type and n.id = g.into_id and n.memory_id not in (select unnest('{"<uuid>"}'::uuid[]))) returning 1;

delete from staged_writes where workspace_id = 'ws-sql' and memory_ids && '{"<uuid>"}'::uuid[] returning 1;

delete from write_requests where workspace_id = 'ws-sql' and memory_ids && '{"<uuid>"}'::uuid[] returning 1;
