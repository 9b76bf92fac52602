-- the chains from two entities

with recursive chain as (
          select g.*, 0 as depth from entity_merges g
            join unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]) as c(type, id)
              on g.from_type = c.type and g.from_id = c.id
            where g.workspace_id = 'ws-sql' and g.undo_time is null
          union all
          select g.*, chain.depth + 1 from chain join entity_merges g
            on g.workspace_id = 'ws-sql' and g.from_type = chain.into_type and g.from_id = chain.into_id
            where g.undo_time is null and chain.depth < 16)
        select distinct on (create_time, id) id, from_type, from_id, into_type, into_id, create_time, undo_time
        from chain order by create_time, id;
