-- a receipt

insert into erasure_receipts (workspace_id, id, time, key_id, agent_id, body)
        values ('ws-sql', '<uuid>', '<time>', 'key-1', null,
          <bytes>)
        on conflict (workspace_id, id) do update set body = excluded.body;
