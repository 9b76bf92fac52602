-- two entities

select e.type, e.id, e.name, e.aliases, e.attributes from entities e
        join unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]) as c(type, id)
          on e.type = c.type and e.id = c.id
        where e.workspace_id = 'ws-sql';
