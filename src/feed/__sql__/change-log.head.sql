-- a workspace

select last_position, purged_through from memory_feed_heads where workspace_id = 'ws-sql';
