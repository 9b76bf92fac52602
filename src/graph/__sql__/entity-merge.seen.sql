-- by the caller's memories

select exists (
    with recursive back(type, id, depth) as (
      select g.from_type, g.from_id, 0
      union all
      select b.from_type, b.from_id, back.depth + 1 from back join entity_merges b
        on b.workspace_id = 'ws-sql' and b.into_type = back.type and b.into_id = back.id and b.create_time <= 'infinity'::timestamptz and (b.undo_time is null or b.undo_time > 'infinity'::timestamptz)
      where back.depth < 16)
    select 1 from back cross join memories where memories.workspace_id = 'ws-sql' and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = 'agent-1') and delete_time is null and (expire_time is null or expire_time > '<time>') and superseded_by is null and coalesce(valid_from, create_time) <= '<time>'::timestamptz
      and (valid_until is null or valid_until > '<time>'::timestamptz) and (memories.mentions @> jsonb_build_array(jsonb_build_object('type', back.type, 'id', back.id))
        or memories.mentions @> jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', back.type, 'id', back.id))))) as seen from entity_merges g
        where g.workspace_id = 'ws-sql' and g.id = '<uuid>'::uuid;
