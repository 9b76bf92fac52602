-- through the merges in force

select engram_entity_merge_target('ws-sql', 'person', 'ana', 'infinity') as target;
