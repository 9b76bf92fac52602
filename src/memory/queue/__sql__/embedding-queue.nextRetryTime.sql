-- the first

select embedding_retry_time from memories where embedding_status = 'pending' and delete_time is null order by coalesce(embedding_retry_time, update_time) limit 1;
