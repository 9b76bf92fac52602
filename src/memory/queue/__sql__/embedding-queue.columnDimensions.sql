-- the column

select format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = 'memories'::regclass and attname = 'embedding';
