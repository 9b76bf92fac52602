-- announced

select engram_sequence_changes(100::integer, 'server-1'::text) as result;

-- not announced

select engram_sequence_changes(100::integer, null::text) as result;
