-- before a cutoff

with doomed as (
          select id from memory_changes where log_time < '<time>' and position is not null order by id limit 100),
        purged as (
          delete from memory_changes c using doomed d where c.id = d.id returning c.workspace_id, c.position),
        horizons as (
          update memory_feed_heads h set purged_through = greatest(h.purged_through, p.top)
          from (select workspace_id, max(position) as top from purged group by workspace_id) p
          where h.workspace_id = p.workspace_id)
        select count(*)::int as purged from purged;
