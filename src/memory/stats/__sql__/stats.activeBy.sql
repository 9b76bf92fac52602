-- kind

select kind as name, count(*) as n from memories
        where workspace_id = 'ws-sql' and delete_time is null and superseded_by is null and (expire_time is null or expire_time > '<time>')
        group by 1 order by 2 desc, 1 limit 10;

-- agent

select coalesce(agent_id, '') as name, count(*) as n from memories
        where workspace_id = 'ws-sql' and delete_time is null and superseded_by is null and (expire_time is null or expire_time > '<time>')
        group by 1 order by 2 desc, 1 limit 10;
