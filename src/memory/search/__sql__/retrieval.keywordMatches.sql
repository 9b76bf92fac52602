-- rare words

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{}'::text[]) as counted
          from unnest(to_tsvector('english', 'acme renewal')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

with candidates as (select id, case when search @@ '''acm'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 3.7992275112828016::float8 else 0 end as matched, length(search)::float8 as dl
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''acm'' | ''renew'''::tsquery or id = any('{}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length
      from candidates order by score desc, id limit 10) select id, score from keyword;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true);

-- a word known to be common (read by tiers)

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{"renew"}'::text[]) as counted
          from unnest(to_tsvector('english', 'renewal pricing')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

select id from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ '''renew'''::tsquery
          limit 20;

with candidates as (select id, case when search @@ '''price'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 0.6931471805599453::float8 else 0 end as matched, length(search)::float8 as dl
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''price'''::tsquery or id = any('{"<uuid>","<uuid>","<uuid>","<uuid>"}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length
      from candidates order by score desc, id limit 10) select id, score from keyword;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true);

-- no word the memories hold

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{}'::text[]) as counted
          from unnest(to_tsvector('english', 'the zebra')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true);
