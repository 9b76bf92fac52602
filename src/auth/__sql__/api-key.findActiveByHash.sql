-- a hash

select "a0".* from "api_keys" as "a0" where "a0"."key_hash" = 'hash-of-secret' and "a0"."revoke_time" is null limit 1;
