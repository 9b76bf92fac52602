import type { EntityManager } from "@mikro-orm/sql";
import { setLocalSettings } from "../local-settings.js";
import { query, sql, Sql } from "../sql.js";
import { UNDISTRIBUTED_TABLES } from "./sharding-rules.js";
import { staleRowTriggers } from "./stale-row-triggers.js";

/**
 * On a database with the Citus extension, distributes Engram's tables by workspace after the
 * migrations, following the rules sharding-rules.ts checks, with the memories' triggers in their
 * row form (`rowTriggers`, src/memory/citus-row-triggers.ts): every table with a workspace_id
 * column is distributed by it, co-located with `memories` (so a workspace's rows of every table
 * share a shard and its triggers and joins stay there); api_keys and server_secrets become
 * reference tables; rate_limits and the migrations' ledger stay on the coordinator. Engram's
 * functions are distributed too, since the triggers call them on the workers. Only what is not
 * distributed yet is touched, under a lock, so every server may run it at every start; on any
 * other database it is one query. Returns the tables it distributed (docs/sharding.md).
 */
export async function distributeByWorkspace(em: EntityManager, rowTriggers: readonly string[]): Promise<Distributed> {
  const [citus] = await query<{ installed: boolean }>(
    em,
    sql`select exists (select 1 from pg_extension where extname = 'citus') as installed`,
  );
  if (citus?.installed !== true) return { citus: false, tables: [], settingsChanged: false };
  return em.transactional(async (tem) => {
    await query(tem, sql`select pg_advisory_xact_lock(${DISTRIBUTE_LOCK})`);
    const settingsChanged = await applyDatabaseSettings(tem);
    await setLocalSettings(tem, CITUS_SETTINGS);
    await query(tem, sql`set local citus.multi_shard_modify_mode = 'sequential'`);
    const pending = await query<{ name: string; workspace: boolean; refers_to: string[] }>(tem, PENDING_TABLES);
    const done: string[] = [];
    // Citus cannot run the memories' statement triggers on a shard: their row forms replace them,
    // before memories is distributed, or again after a later migration put one back or replaced
    // a trigger's function with its statement form.
    const [statementTriggers] = await query<{ found: boolean }>(tem, TRANSITION_TRIGGERS);
    if (
      pending.some((t) => t.name === ANCHOR) ||
      statementTriggers?.found === true ||
      (await staleRowTriggers(tem, rowTriggers))
    )
      for (const statement of rowTriggers) await query(tem, Sql.raw(statement));
    for (const table of distributionOrder(pending)) {
      const placement = placementOf(table);
      if (placement === "coordinator") continue;
      if (placement === "reference") await query(tem, sql`select create_reference_table(${table.name})`);
      else await distribute(tem, table.name);
      done.push(table.name);
    }
    for (const { fn } of await query<{ fn: string }>(tem, PENDING_FUNCTIONS)) {
      await query(tem, sql`select create_distributed_function(${fn})`);
    }
    return { citus: true, tables: done, settingsChanged };
  });
}

export interface Distributed {
  /** The database is a Citus coordinator. */
  citus: boolean;
  /** The tables distributed (or made reference tables) now. */
  tables: string[];
  /** The database's settings were changed: connections opened before do not have them. */
  settingsChanged: boolean;
}

/**
 * What every session on the coordinator needs, set on its database: SET LOCAL (the planner
 * settings of a search, local-settings.ts) reaches the shards, and a later migration may create
 * or replace the memories' triggers, which write the same workspace's rows of other tables on
 * its shard (Citus asks for the second explicitly).
 */
const CITUS_SETTINGS: Readonly<Record<string, string>> = {
  "citus.propagate_set_commands": "local",
  "citus.enable_unsafe_triggers": "on",
};

/** Sets CITUS_SETTINGS on the coordinator's database; true if any was not set. */
async function applyDatabaseSettings(em: EntityManager): Promise<boolean> {
  let changed = false;
  for (const [name, value] of Object.entries(CITUS_SETTINGS)) {
    const [row] = await query<{ value: string | null }>(em, sql`select current_setting(${name}, true) as value`);
    if (row?.value === value) continue;
    // ALTER DATABASE takes no parameters; the name and value are the constants above.
    await query(
      em,
      Sql.raw(
        `do $$ begin execute format('alter database %I set ${name} = %L', current_database(), '${value}'); end $$`,
      ),
    );
    changed = true;
  }
  return changed;
}

/** Any constant no other advisory lock uses: one server distributes at a time. */
const DISTRIBUTE_LOCK = "7311882650002";

/** The anchor of the co-location group: every other table is placed with it. */
const ANCHOR = "memories";

async function distribute(em: EntityManager, table: string): Promise<void> {
  const colocateWith = table === ANCHOR ? "default" : ANCHOR;
  await query(em, sql`select create_distributed_table(${table}, 'workspace_id', colocate_with => ${colocateWith})`);
}

/** Whether the memories have a trigger that reads a transition table (a migration's statement trigger). */
const TRANSITION_TRIGGERS = sql`select exists (select 1 from pg_trigger
  where tgrelid = 'memories'::regclass and not tgisinternal and (tgoldtable is not null or tgnewtable is not null)) as found`;

/** Public tables Citus does not know yet, with the tables their foreign keys refer to. */
const PENDING_TABLES = sql`
  select c.relname as name,
    exists (select 1 from pg_attribute a
      where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as workspace,
    coalesce((select array_agg(distinct r.relname::text) from pg_constraint k join pg_class r on r.oid = k.confrelid
      where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid), '{}') as refers_to
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p')
    and not exists (select 1 from pg_dist_partition p where p.logicalrelid = c.oid)
  order by c.relname`;

/** Functions of the public schema, not an extension's, that Citus has not distributed yet. */
const PENDING_FUNCTIONS = sql`
  select p.oid::regprocedure::text as fn
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.prokind = 'f'
    and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    and not exists (select 1 from pg_dist_object o where o.classid = 'pg_proc'::regclass and o.objid = p.oid)
  order by 1`;

/** Where a table goes: as sharding-rules.ts classifies it. */
function placementOf(table: { name: string; workspace: boolean }): "reference" | "coordinator" | "distributed" {
  const named = UNDISTRIBUTED_TABLES[table.name];
  if (named !== undefined) return named;
  if (table.workspace) return "distributed";
  throw new Error(`table ${table.name} has no workspace_id and no placement (sharding-rules.ts)`);
}

/**
 * Reference tables first, then the anchor, then each table after those its foreign keys refer
 * to (Citus distributes a table only once what it refers to is distributed).
 */
export function distributionOrder<T extends { name: string; workspace: boolean; refers_to: string[] }>(
  tables: readonly T[],
): T[] {
  const rank = new Map(tables.map((t) => [t, placementOf(t) !== "distributed" ? 0 : t.name === ANCHOR ? 1 : 2]));
  const waiting = [...tables].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0) || a.name.localeCompare(b.name));
  const pending = new Set(tables.map((t) => t.name));
  const ordered: T[] = [];
  while (waiting.length > 0) {
    const next = waiting.findIndex((t) => t.refers_to.every((r) => r === t.name || !pending.has(r)));
    if (next < 0) throw new Error(`foreign keys in a cycle: ${waiting.map((t) => t.name).join(", ")}`);
    for (const table of waiting.splice(next, 1)) {
      ordered.push(table);
      pending.delete(table.name);
    }
  }
  return ordered;
}
