-- the folder's, unless another fold runs

select pg_try_advisory_xact_lock(1701737569, hashtext('ws-sql')) as got;

select array_agg(r.tally_id order by r.tally_id)::text[] as ids, count(*) filter (where not r.folded) as unfolded
      from (select distinct type, id, reader, name from (select type, id, reader, name from entity_tallies where workspace_id = 'ws-sql' and not folded
        order by tally_id limit 5000) u) k
      cross join lateral (select r.tally_id, r.folded from entity_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.name = k.name offset 0) r;

with gone as (select * from (select r.* from (select distinct type, id, reader, name from entity_tallies t
    where t.workspace_id = 'ws-sql' and not t.folded and t.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24"}'::bigint[])) k cross join lateral (select r.* from entity_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.name = k.name offset 0) r where r.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24"}'::bigint[])) as rows),
        summed as (select workspace_id, type, id, reader, name, min(name_key) as name_key, sum(n) as n,
            min(first_seen) as first_seen, max(last_seen) as last_seen,
            min(gone_first) as gone_first, max(gone_last) as gone_last
          from gone group by 1, 2, 3, 4, 5)
        insert into entity_tallies (workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, folded, sole_key)
          select s.workspace_id, s.type, s.id, s.reader, s.name, s.name_key, s.n,
            coalesce(e.first_seen, s.first_seen), coalesce(e.last_seen, s.last_seen), true, coalesce(k.sole, false)
          from summed s
          left join (select x.type, x.id, count(*) = 1 as sole
    from (select x.type, x.id, x.name_key from entity_tallies x
      where x.workspace_id = 'ws-sql' and x.reader = '*' and (x.type, x.id) in (select type, id from summed)
      group by 1, 2, 3 having sum(x.n) > 0) x
    group by 1, 2) k on k.type = s.type and k.id = s.id
          left join (
            -- Only the keys whose times went with a removed memory are read anew (IN, not a join
            -- on every key; not a lateral per key either, which Citus cannot plan over a CTE).
            select x.type, x.id, x.name, c.reader, min(x.create_time) as first_seen, max(x.update_time) as last_seen
            from entity_names x cross join lateral (values (case when x.visibility = 'shared' or x.agent_id is null then '' when x.agent_id in ('', '*') or x.agent_id like '@%' then '@' || x.agent_id else x.agent_id end), ('*')) as c(reader)
            where x.workspace_id = 'ws-sql' and x.delete_time is null and x.superseded_by is null and x.expire_time is null and x.valid_until is null and (x.valid_from is null or x.valid_from <= x.create_time)
              and (x.type, x.id, x.name) in (select type, id, name from summed where (summed.gone_first <= summed.first_seen or summed.gone_last >= summed.last_seen
    or (summed.first_seen is null and summed.gone_first is not null)))
            group by 1, 2, 3, 4) e
            on (s.gone_first <= s.first_seen or s.gone_last >= s.last_seen
    or (s.first_seen is null and s.gone_first is not null)) and e.type = s.type and e.id = s.id and e.name = s.name and e.reader = s.reader
          where s.n > 0
        returning type, id, sole_key as sole;

delete from entity_tallies where workspace_id = 'ws-sql' and ctid = any(array(
      select r.ctid from (select distinct type, id, reader, name from entity_tallies t
    where t.workspace_id = 'ws-sql' and not t.folded and t.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24"}'::bigint[])) k cross join lateral (select r.ctid, r.tally_id from entity_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.name = k.name offset 0) r
      where r.tally_id = any('{"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21","22","23","24"}'::bigint[])));

update entity_tallies t set sole_key = k.sole
      from unnest('{"account","company","organization","person","place"}'::text[], '{"acme","acme","acme corp","ana lopez","lisbon"}'::text[],
        '{"true","true","true","true","true"}'::boolean[]) as k(type, id, sole)
      where t.workspace_id = 'ws-sql' and t.type = k.type and t.id = k.id and t.folded and t.sole_key <> k.sole;

-- an erasure's, waiting for another fold

select true as got from (select pg_advisory_xact_lock(1701737569, hashtext('ws-sql'))) as waited;

select array_agg(r.tally_id order by r.tally_id)::text[] as ids, count(*) filter (where not r.folded) as unfolded
      from (select distinct type, id, reader, name from (select type, id, reader, name from entity_tallies where workspace_id = 'ws-sql' and not folded
        order by tally_id limit 5000) u) k
      cross join lateral (select r.tally_id, r.folded from entity_tallies r
    where r.workspace_id = 'ws-sql' and r.type = k.type and r.id = k.id and r.reader = k.reader and r.name = k.name offset 0) r;
