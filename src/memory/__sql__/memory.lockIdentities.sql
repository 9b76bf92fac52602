-- two identities

select pg_advisory_xact_lock(hashtextextended(k, 0))
        from (select k from unnest('{"a","b"}'::text[]) as k order by k) as locks;
