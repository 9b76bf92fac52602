-- two entities

select c.type, c.id, coalesce(e.name, s.name_seen, c.id) as name,
          e.aliases, e.attributes,
          s.mention_count, s.first_seen, s.last_seen
        from unnest('{"person","company"}'::text[], '{"ana","acme"}'::text[]) as c(type, id)
        cross join lateral (select count(*) as mention_count, min(n.create_time) as first_seen, max(n.update_time) as last_seen, min(n.name) as name_seen from entity_names n where n.workspace_id = 'ws-sql' and n.type = c.type and n.id = c.id and n.workspace_id = 'ws-sql' and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz)) s
        left join entities e on e.workspace_id = 'ws-sql' and e.type = c.type and e.id = c.id
        where s.mention_count > 0;
