-- name, aliases and attributes

insert into entities (workspace_id, type, id, name, aliases, attributes, match_keys, create_time, update_time)
        values ('ws-sql', 'company', 'acme', 'Acme', '{"ACME Inc"}'::text[],
          '{"tier":1}'::jsonb, '{"acme","acme inc"}'::text[], '<time>', '<time>')
        on conflict (workspace_id, type, id) do update set name = excluded.name, aliases = excluded.aliases,
          attributes = excluded.attributes, match_keys = excluded.match_keys, update_time = excluded.update_time;
