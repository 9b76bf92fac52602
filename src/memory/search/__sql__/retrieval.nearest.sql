-- a page the index fills

select set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with target as (select '[<384 numbers>]'::vector as v), nearest as (select id, embedding <=> (select v from target) as distance from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 2)
        select id, distance, true as nearest from nearest;

-- a filtered page the index cannot fill: ranked again exactly

select set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', '40', true);

with target as (select '[<384 numbers>]'::vector as v), nearest as (select id, embedding <=> (select v from target) as distance from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'
          order by distance limit 10)
        select id, distance, true as nearest from nearest;

with target as (select '[<384 numbers>]'::vector as v), matching as materialized (select id, embedding <=> (select v from target) as distance from memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and subject_type = 'account' and kind = any('{"note"}'::text[]) and tags @> '{"renewal"}'::text[] and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and embedding is not null and embedding_model = 'test:word-hash'),
        closest as (select id, distance from matching order by distance, id limit 10),
        nearest as (select closest.id, closest.distance
          from closest join memories on memories.id = closest.id order by closest.distance, closest.id)
        select id, distance, true as nearest from nearest;
