-- a batch

with purged as (
          delete from memories where (workspace_id, id) in (
            select workspace_id, id from memories
            where coalesce(delete_time, expire_time) < '<time>'
              and (delete_time is not null or expire_time is not null)
            limit 100)
          returning workspace_id, id),
        revisions as (
          delete from memory_revisions r using purged
          where r.workspace_id = purged.workspace_id and r.memory_id = purged.id)
        select id from purged;
