-- a week

with bounds as (select date_trunc('day', '<time>'::timestamptz at time zone 'UTC') as today)
        select to_char(d, 'YYYY-MM-DD') as day, count(m.id) as n
        from bounds, generate_series(today - make_interval(days => 6::int), today, interval '1 day') as d
        left join memories m on m.workspace_id = 'ws-sql'
          and m.create_time >= d at time zone 'UTC' and m.create_time < (d + interval '1 day') at time zone 'UTC'
        group by d order by d;
