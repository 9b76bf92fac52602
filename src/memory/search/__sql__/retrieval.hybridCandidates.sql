-- rare words, a page the index fills

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{}'::text[]) as counted
          from unnest(to_tsvector('english', 'acme renewal')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true), set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with target as (select '[<384 numbers>]'::vector as v), candidates as (select id, case when search @@ '''acm'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 3.7992275112828016::float8 else 0 end as matched, length(search)::float8 as dl, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''acm'' | ''renew'''::tsquery or id = any('{}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from candidates order by score desc, id limit 2), nearest as (select id, embedding <=> (select v from target) as distance, (case when search @@ '''acm'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 3.7992275112828016::float8 else 0 end) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (length(search)::float8) / ((select average_length from keyword limit 1)))) as words, subject_id, title, linked_entities::text as linked_entities from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 2)
          select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where (select count(*) from nearest) = 2
          union all
          select id, false, case when embedding is not null and embedding_model = 'test:word-hash'
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where (select count(*) from nearest) = 2;

-- a word known to be common (read by tiers), a filtered page ranked again exactly

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

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true), set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with target as (select '[<384 numbers>]'::vector as v), candidates as (select id, case when search @@ '''price'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 0.6931471805599453::float8 else 0 end as matched, length(search)::float8 as dl, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''price'''::tsquery or id = any('{"<uuid>","<uuid>","<uuid>","<uuid>"}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from candidates order by score desc, id limit 10), nearest as (select id, embedding <=> (select v from target) as distance, (case when search @@ '''price'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 0.6931471805599453::float8 else 0 end) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (length(search)::float8) / ((select average_length from keyword limit 1)))) as words, subject_id, title, linked_entities::text as linked_entities from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 10)
          select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where (select count(*) from nearest) = 10
          union all
          select id, false, case when embedding is not null and embedding_model = 'test:word-hash'
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where (select count(*) from nearest) = 10;

with target as (select '[<384 numbers>]'::vector as v), candidates as (select id, case when search @@ '''price'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 0.6931471805599453::float8 else 0 end as matched, length(search)::float8 as dl, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''price'''::tsquery or id = any('{"<uuid>","<uuid>","<uuid>","<uuid>"}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from candidates order by score desc, id limit 10), matching as materialized (select id, embedding <=> (select v from target) as distance from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'),
        closest as (select id, distance from matching order by distance, id limit 10),
        nearest as (select closest.id, closest.distance, (case when search @@ '''price'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''renew'''::tsquery then 0.6931471805599453::float8 else 0 end) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (length(search)::float8) / ((select average_length from keyword limit 1)))) as words, subject_id, title, linked_entities::text as linked_entities
          from closest join memories on memories.id = closest.id order by closest.distance, closest.id)
          select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where true
          union all
          select id, false, case when embedding is not null and embedding_model = 'test:word-hash'
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where true;

-- no word the memories hold

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{}'::text[]) as counted
          from unnest(to_tsvector('english', 'the zebra')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true), set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with target as (select '[<384 numbers>]'::vector as v), keyword as (select null::uuid as id, null::float8 as score, null::float8 as average_length, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
          from memories where false), nearest as (select id, embedding <=> (select v from target) as distance, null::float8 as words, subject_id, title, linked_entities::text as linked_entities from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 2)
          select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where (select count(*) from nearest) = 2
          union all
          select id, false, case when embedding is not null and embedding_model = 'test:word-hash'
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where (select count(*) from nearest) = 2;

-- graph expansion: the entities the query names, their neighbours, and their memories

with previous as materialized (select current_setting('enable_seqscan') as s0, current_setting('enable_indexscan') as s1) select previous.*, set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) from previous;

select w.lexeme, w.counted, case when w.counted then (select count(*) from (select 1 from memories
            where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and search @@ w.query::tsquery limit 100) matching)::int
            else 100::int end as df
        from (select lexeme, positions[1] as first, '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' as query,
            lexeme <> all('{}'::text[]) as counted
          from unnest(to_tsvector('english', 'churn risk for c-1?')) order by positions[1], lexeme limit 32) w
        order by w.first, w.lexeme;

select set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true), set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with keyed(type, id) as materialized (
      select f.type, f.id from (select distinct n.type, n.id from entity_names n where n.workspace_id = 'ws-sql' and n.name_key = any('{"churn","churn risk","churn risk for","churn risk for c-1","risk","risk for","risk for c-1","for c-1","c-1"}'::text[])) f
        where exists (select 1 from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select n.memory_id from entity_names n
            where n.workspace_id = 'ws-sql' and n.name_key = any('{"churn","churn risk","churn risk for","churn risk for c-1","risk","risk for","risk for c-1","for c-1","c-1"}'::text[]) and n.type = f.type and n.id = f.id)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null)
      union
      select e.type, e.id from entities e where e.workspace_id = 'ws-sql' and e.match_keys && '{"churn","churn risk","churn risk for","churn risk for c-1","risk","risk for","risk for c-1","for c-1","c-1"}'::text[]),
    named(type, id) as materialized (select f.type, f.id from keyed f
      cross join lateral (select count(*) as memories from (select 1 from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select n.memory_id from entity_names n
      where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null limit 31) mentioning) counted
      where counted.memories between 1 and 30 order by 1, 2 limit 16),
    named_memories as materialized (select distinct on (m.id) m.id, m.mentions from named f cross join lateral (select memories.id, memories.mentions from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select n.memory_id from entity_names n
      where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null limit 30) m
      order by m.id),
    beside(type, id, weight) as (select y.type, y.id, count(distinct h.id)
      from named_memories h cross join lateral jsonb_to_recordset(h.mentions) as y(type text, id text)
      where not exists (select 1 from keyed f where f.type = y.type and f.id = y.id)
      group by 1, 2 order by 3 desc, 1, 2 limit 16),
    neighbours(type, id) as materialized (select f.type, f.id from beside f
      cross join lateral (select count(*) as memories from (select 1 from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select n.memory_id from entity_names n
      where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null limit 31) mentioning) counted
      where counted.memories between 1 and 30 order by f.weight desc, 1, 2 limit 8)
    select id, 1 as link from named_memories
    union all
    select m.id, 2 from (select distinct on (m.id) m.id, m.mentions from neighbours f cross join lateral (select memories.id, memories.mentions from memories where memories.workspace_id = 'ws-sql' and memories.id = any(array(select n.memory_id from entity_names n
      where n.workspace_id = 'ws-sql' and n.type = f.type and n.id = f.id)) and memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null limit 30) m
      order by m.id) m
      where m.id not in (select id from named_memories);

with target as (select '[<384 numbers>]'::vector as v), candidates as (select id, case when search @@ '''churn'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''risk'''::tsquery then 4.897839799950911::float8 else 0 end as matched, length(search)::float8 as dl, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and (search @@ '''churn'' | ''risk'''::tsquery or id = any('{}'::uuid[]))),
    keyword as (select id, (matched) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (dl) / (avg(dl) over ()))) as score,
        avg(dl) over () as average_length, embedding, embedding_model, subject_id, title, linked_entities::text as linked_entities
      from candidates order by score desc, id limit 2), nearest as (select id, embedding <=> (select v from target) as distance, (case when search @@ '''churn'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''risk'''::tsquery then 4.897839799950911::float8 else 0 end) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (length(search)::float8) / ((select average_length from keyword limit 1)))) as words, subject_id, title, linked_entities::text as linked_entities from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 2), graph as (select id, case when embedding is not null and embedding_model = 'test:word-hash' then embedding <=> (select v from target) end as distance, (case when search @@ '''churn'''::tsquery then 4.897839799950911::float8 else 0 end + case when search @@ '''risk'''::tsquery then 4.897839799950911::float8 else 0 end) * 2.2::float8
    / (1 + 1.2::float8 * (0.25::float8 + 0.75::float8 * (length(search)::float8) / ((select average_length from keyword limit 1)))) as words, subject_id, title, linked_entities::text as linked_entities
      from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and memories.id = any('{"<uuid>","<uuid>","<uuid>","<uuid>"}'::uuid[]) and memories.id not in (select id from nearest) and memories.id not in (select id from keyword)
      order by 2 nulls last, id limit 2),
        found as (select id, true as nearest, distance, words, subject_id, title, linked_entities from nearest where (select count(*) from nearest) = 2
          union all
          select id, false, case when embedding is not null and embedding_model = 'test:word-hash'
              and id not in (select id from nearest) then embedding <=> (select v from target) end,
            score, subject_id, title, linked_entities
          from keyword where (select count(*) from nearest) = 2
          union all
          select id, false, distance, words, subject_id, title, linked_entities from graph where (select count(*) from nearest) = 2)
        select id, nearest, distance, words, subject_id, title, linked_entities, case when id = any('{"<uuid>","<uuid>","<uuid>","<uuid>"}'::uuid[]) then 1 when id = any('{}'::uuid[]) then 2
    else 0 end as link from found;
