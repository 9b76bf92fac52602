-- the page token secret

insert into "server_secrets" ("name", "secret", "create_time") values ('page_tokens', <bytes>, '<time>') on conflict ("name") do nothing;

select "s0".* from "server_secrets" as "s0" where "s0"."name" = 'page_tokens' limit 1;
