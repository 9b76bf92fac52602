-- one merge

select pg_advisory_xact_lock(1835364967, hashtext('ws-sql'));

select engram_entity_merge_target('ws-sql', 'company', 'acme', 'infinity') as target;

insert into entity_merges (id, workspace_id, from_type, from_id, into_type, into_id, create_time)
          values ('<uuid>', 'ws-sql', 'person', 'ana', 'company',
            'acme', '<time>')
          on conflict do nothing;
