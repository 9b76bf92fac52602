-- any change

select exists (select 1 from memory_changes where position is null) as pending;
