import type { EntityManager } from "@mikro-orm/sql";

/**
 * The rules a schema must follow for Citus to distribute it by workspace (issue 52), checked on
 * the migrated catalog: a table with a workspace_id column is distributed by it, so each of its
 * primary keys, unique constraints and foreign keys must include it, and its triggers must not
 * read transition tables (Citus cannot run them on shards). Every other table must be named as a
 * reference table (copied to every node) or as one the coordinator keeps alone.
 */

/**
 * Tables that are not distributed by workspace, and where they live in a sharded deployment:
 * reference tables are copied to every node (a key is looked up by its secret, before its
 * workspace is known), the others stay on the coordinator.
 */
export const UNDISTRIBUTED_TABLES: Readonly<Record<string, "reference" | "coordinator">> = {
  api_keys: "reference",
  server_secrets: "reference",
  rate_limits: "coordinator",
  mikro_orm_migrations: "coordinator",
};

export interface ShardingViolation {
  table: string;
  rule:
    "unique-without-workspace" | "foreign-key-without-workspace" | "transition-table-trigger" | "unclassified-table";
  /** The index, constraint or trigger. */
  object: string;
}

const TABLES = `
  select c.relname as table,
    exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as distributed
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p')`;

/** Unique indexes (primary keys and unique constraints are backed by one) without workspace_id among their columns. */
const UNIQUE_WITHOUT_WORKSPACE = `
  select t.relname as table, ic.relname as object
  from pg_index i
  join pg_class t on t.oid = i.indrelid
  join pg_class ic on ic.oid = i.indexrelid
  join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = 'public' and i.indisunique
    and not exists (
      select 1 from pg_attribute a
      where a.attrelid = t.oid and a.attname = 'workspace_id' and a.attnum = any (i.indkey::int2[])
    )`;

/** Foreign keys whose columns on either side leave out workspace_id. */
const FOREIGN_KEYS_WITHOUT_WORKSPACE = `
  select t.relname as table, k.conname as object
  from pg_constraint k
  join pg_class t on t.oid = k.conrelid
  join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = 'public' and k.contype = 'f'
    and not (
      exists (select 1 from pg_attribute a where a.attrelid = k.conrelid and a.attname = 'workspace_id' and a.attnum = any (k.conkey))
      and exists (select 1 from pg_attribute a where a.attrelid = k.confrelid and a.attname = 'workspace_id' and a.attnum = any (k.confkey))
    )`;

const TRANSITION_TABLE_TRIGGERS = `
  select t.relname as table, g.tgname as object
  from pg_trigger g
  join pg_class t on t.oid = g.tgrelid
  join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = 'public' and not g.tgisinternal and (g.tgoldtable is not null or g.tgnewtable is not null)`;

/** Every way the migrated schema breaks the rules. */
export async function shardingViolations(em: EntityManager): Promise<ShardingViolation[]> {
  const tables = await em.execute<{ table: string; distributed: boolean }[]>(TABLES);
  const classified = (table: string) => UNDISTRIBUTED_TABLES[table] !== undefined;
  const distributed = new Set(tables.filter((t) => t.distributed && !classified(t.table)).map((t) => t.table));
  const found: ShardingViolation[] = [];
  for (const t of tables) {
    if (!t.distributed && !classified(t.table)) {
      found.push({ table: t.table, rule: "unclassified-table", object: t.table });
    }
  }
  const onDistributed = async (query: string, rule: ShardingViolation["rule"]) => {
    for (const row of await em.execute<{ table: string; object: string }[]>(query)) {
      if (distributed.has(row.table)) found.push({ ...row, rule });
    }
  };
  await onDistributed(UNIQUE_WITHOUT_WORKSPACE, "unique-without-workspace");
  await onDistributed(FOREIGN_KEYS_WITHOUT_WORKSPACE, "foreign-key-without-workspace");
  await onDistributed(TRANSITION_TABLE_TRIGGERS, "transition-table-trigger");
  return found;
}
