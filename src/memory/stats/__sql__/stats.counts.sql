-- every workspace

select workspace_id, case when delete_time is not null then 'deleted'
            when superseded_by is not null then 'superseded'
            when expire_time is not null and expire_time <= '<time>' then 'expired' else 'active' end as state,
          embedding_status, count(*) as n
        from memories where true group by 1, 2, 3 order by 1, 2, 3;

-- one workspace

select workspace_id, case when delete_time is not null then 'deleted'
            when superseded_by is not null then 'superseded'
            when expire_time is not null and expire_time <= '<time>' then 'expired' else 'active' end as state,
          embedding_status, count(*) as n
        from memories where workspace_id = 'ws-sql' group by 1, 2, 3 order by 1, 2, 3;
