import { Migration } from "@mikro-orm/migrations";

/**
 * Generated from the entities by npm run db:migration, with the tallies' indexes added by hand
 * (the generator compares indexes given as expressions by name): what Citus needs to distribute
 * the tables by workspace (docs/sharding.md). The change log's and the entity merges' keys
 * include the workspace; the change log is numbered per workspace, under a lock of its own,
 * instead of under one lock for all (sequence-changes.routine.ts); the merge routines become
 * PL/pgSQL, since Citus cannot plan a SQL function's query on a distributed table through its
 * parameters (merge-routines.ts); the tallies' unfolded rows are found per workspace, as the
 * folder now folds them.
 */
export class Migration20261128003504ShardByWorkspace extends Migration {
  override up(): void {
    this.addSql("drop index if exists entity_tallies_unfolded");
    this.addSql("create index entity_tallies_unfolded on entity_tallies (workspace_id, tally_id) where not folded");
    this.addSql("drop index if exists relation_tallies_unfolded");
    this.addSql("create index relation_tallies_unfolded on relation_tallies (workspace_id, tally_id) where not folded");
    this.addSql('alter table "entity_merges" drop constraint "entity_merges_pkey"');
    this.addSql('alter table "entity_merges" add primary key ("workspace_id", "id")');
    this.addSql('alter table "memory_changes" drop constraint "memory_changes_pkey"');
    this.addSql('drop index "memory_changes_unsequenced"');
    this.addSql('alter table "memory_changes" add primary key ("workspace_id", "id")');
    this.addSql(
      'create index "memory_changes_unsequenced" on "memory_changes" ("workspace_id", "id") where position is null',
    );
    this.addSql('drop function if exists "engram_sequence_changes"(integer, text)');
    this.addSql(
      "create or replace function \"engram_sequence_changes\"(\"batch\" integer, \"announce_from\" text) returns jsonb language plpgsql as $$ begin declare\n  ws text;   taken integer;   numbered integer := 0;   heads jsonb := '[]'::jsonb;   head jsonb;   payload text; begin\n  for ws in select distinct workspace_id from memory_changes where position is null order by workspace_id loop\n    exit when numbered >= batch;     perform pg_advisory_xact_lock(731188265, hashtext(ws));     with pending as (\n        select id from memory_changes where workspace_id = ws and position is null order by id limit batch - numbered),\n      positions as (\n        select p.id, coalesce((select h.last_position from memory_feed_heads h where h.workspace_id = ws), 0)\n          + row_number() over (order by p.id) as position\n        from pending p),\n      sequenced as (\n        update memory_changes c set position = n.position from positions n\n        where c.workspace_id = ws and c.id = n.id and c.position is null returning c.position),\n      moved as (\n        insert into memory_feed_heads (workspace_id, last_position)\n        select ws, max(position) from sequenced having count(*) > 0\n        on conflict (workspace_id) do update set last_position = excluded.last_position\n        returning last_position)\n    select (select count(*) from sequenced), (select jsonb_build_array(ws, last_position::text) from moved)\n      into taken, head;     numbered := numbered + taken;     if head is not null then heads := heads || jsonb_build_array(head); end if;   end loop;   if announce_from is not null and jsonb_array_length(heads) > 0 then\n    payload := jsonb_build_object('from', announce_from, 'heads', heads)::text;     if octet_length(payload) >= 7000 then\n      payload := jsonb_build_object('from', announce_from, 'heads', null)::text;     end if;     perform pg_notify('engram_memory_changes', payload);   end if;   return jsonb_build_object('numbered', numbered, 'heads', heads); end; end $$",
    );
    this.addSql('drop function if exists "engram_entity_merge_target"(text, text, text, timestamp with time zone)');
    this.addSql(
      'create or replace function "engram_entity_merge_target"("ws" text, "ref_type" text, "ref_id" text, "at" timestamptz) returns jsonb language plpgsql as $$ begin return (with recursive chain(type, id, depth) as (\n    select ref_type, ref_id, 0\n    union all\n    select g.into_type, g.into_id, c.depth + 1 from chain c join entity_merges g\n      on g.workspace_id = ws and g.from_type = c.type and g.from_id = c.id\n        and g.create_time <= at and (g.undo_time is null or g.undo_time > at)\n    where c.depth < 16)\n  select jsonb_build_object(\'type\', type, \'id\', id) from chain where depth > 0 order by depth desc limit 1); end $$',
    );
    this.addSql('drop function if exists "engram_entity_merged_mentions"(text, jsonb, timestamp with time zone)');
    this.addSql(
      "create or replace function \"engram_entity_merged_mentions\"(\"ws\" text, \"mentions\" jsonb, \"at\" timestamptz) returns jsonb language plpgsql as $$ begin return (select case when not exists (select 1 from entity_merges g where g.workspace_id = ws and g.create_time <= at)\n    then mentions\n    else (select coalesce(jsonb_agg(m order by ord), '[]'::jsonb) from (\n      select distinct on (m->>'type', m->>'id', m->>'role', m->'from') m, ord from (\n        select case when t.target is null then r.own\n            else r.own || t.target || jsonb_build_object('from', jsonb_build_object('type', r.own->>'type', 'id', r.own->>'id'))\n          end as m, r.ord\n        from (select case when e->'from' is not null then (e - 'from') || (e->'from') else e end as own, ord\n            from jsonb_array_elements(mentions) with ordinality as x(e, ord)) r\n          cross join lateral (select (with recursive chain(type, id, depth) as (\n    select r.own->>'type', r.own->>'id', 0\n    union all\n    select g.into_type, g.into_id, c.depth + 1 from chain c join entity_merges g\n      on g.workspace_id = ws and g.from_type = c.type and g.from_id = c.id\n        and g.create_time <= at and (g.undo_time is null or g.undo_time > at)\n    where c.depth < 16)\n  select jsonb_build_object('type', type, 'id', id) from chain where depth > 0 order by depth desc limit 1) as target) t) mapped\n      order by m->>'type', m->>'id', m->>'role', m->'from', ord) once)\n    end); end $$",
    );
  }
}
