-- by id

update entity_merges set undo_time = '<time>' where id = '<uuid>'::uuid returning *;
