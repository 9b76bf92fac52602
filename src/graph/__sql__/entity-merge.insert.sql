-- one merge

insert into entity_merges (id, workspace_id, from_type, from_id, into_type, into_id, create_time)
        values ('<uuid>', 'ws-sql', 'person', 'ana', 'person', 'ana lopez', '<time>')
        returning *;
