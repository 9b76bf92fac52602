-- any workspace's, unless another fold runs

with lock as (select pg_try_advisory_xact_lock(1701737569) as got),
        pending as (select workspace_id, type, id, reader, name from entity_tallies, lock
          where lock.got and not folded  order by tally_id limit 5000),
        keys as (select distinct * from pending),
        gone as (delete from entity_tallies t using keys k
          where t.workspace_id = k.workspace_id and t.type = k.type and t.id = k.id and t.reader = k.reader
            and t.name = k.name returning t.*),
        summed as (select workspace_id, type, id, reader, name, min(name_key) as name_key, sum(n) as n,
            min(first_seen) as first_seen, max(last_seen) as last_seen,
            min(gone_first) as gone_first, max(gone_last) as gone_last
          from gone group by 1, 2, 3, 4, 5),
        folded as (insert into entity_tallies (workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, folded)
          select s.workspace_id, s.type, s.id, s.reader, s.name, s.name_key, s.n,
            coalesce(e.first_seen, s.first_seen), coalesce(e.last_seen, s.last_seen), true
          -- Gated inside (a one-time filter): in ON, every key's rows were read and the answer dropped.
          from summed s cross join lateral (
            select min(x.create_time) as first_seen, max(x.update_time) as last_seen from entity_names x
            where (s.gone_first <= s.first_seen or s.gone_last >= s.last_seen
                or (s.first_seen is null and s.gone_first is not null))
              and x.workspace_id = s.workspace_id and x.type = s.type and x.id = s.id and x.name = s.name
              and case when x.visibility = 'shared' or x.agent_id is null then '' else x.agent_id end = s.reader and x.delete_time is null and x.superseded_by is null and x.expire_time is null and x.valid_until is null and (x.valid_from is null or x.valid_from <= x.create_time)) e
          where s.n > 0
          returning 1)
        select (select count(*) from pending) as pending, (select count(*) from folded) as written;

-- one workspace's, waiting for another fold

with lock as (select true as got from (select pg_advisory_xact_lock(1701737569)) as waited),
        pending as (select workspace_id, type, id, reader, name from entity_tallies, lock
          where lock.got and not folded and workspace_id = 'ws-sql' order by tally_id limit 5000),
        keys as (select distinct * from pending),
        gone as (delete from entity_tallies t using keys k
          where t.workspace_id = k.workspace_id and t.type = k.type and t.id = k.id and t.reader = k.reader
            and t.name = k.name returning t.*),
        summed as (select workspace_id, type, id, reader, name, min(name_key) as name_key, sum(n) as n,
            min(first_seen) as first_seen, max(last_seen) as last_seen,
            min(gone_first) as gone_first, max(gone_last) as gone_last
          from gone group by 1, 2, 3, 4, 5),
        folded as (insert into entity_tallies (workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, folded)
          select s.workspace_id, s.type, s.id, s.reader, s.name, s.name_key, s.n,
            coalesce(e.first_seen, s.first_seen), coalesce(e.last_seen, s.last_seen), true
          -- Gated inside (a one-time filter): in ON, every key's rows were read and the answer dropped.
          from summed s cross join lateral (
            select min(x.create_time) as first_seen, max(x.update_time) as last_seen from entity_names x
            where (s.gone_first <= s.first_seen or s.gone_last >= s.last_seen
                or (s.first_seen is null and s.gone_first is not null))
              and x.workspace_id = s.workspace_id and x.type = s.type and x.id = s.id and x.name = s.name
              and case when x.visibility = 'shared' or x.agent_id is null then '' else x.agent_id end = s.reader and x.delete_time is null and x.superseded_by is null and x.expire_time is null and x.valid_until is null and (x.valid_from is null or x.valid_from <= x.create_time)) e
          where s.n > 0
          returning 1)
        select (select count(*) from pending) as pending, (select count(*) from folded) as written;
