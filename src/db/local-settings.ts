import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "./sql.js";

/**
 * Connections to a Citus coordinator (marked by openDatabase after distributeByWorkspace): Citus
 * passes a SET LOCAL on to the shards that run the transaction's statements (with
 * citus.propagate_set_commands = 'local') and ignores set_config(). Elsewhere the settings go in
 * one set_config() statement: a SET LOCAL per setting cost a HYBRID search 8 ms of CPU on
 * Postgres, 12 on PGlite (decision 0032).
 */
const citusConnections = new WeakSet<object>();

/** From now on, this database's settings are SET LOCAL statements. */
export function setLocallyOnShards(em: EntityManager): void {
  citusConnections.add(em.getConnection());
}

/** Sets these settings for the rest of the transaction. */
export async function setLocalSettings(em: EntityManager, settings: Readonly<Record<string, string>>): Promise<void> {
  if (citusConnections.has(em.getConnection())) {
    for (const [name, value] of Object.entries(settings)) await query(em, setLocal(name, value));
  } else if (Object.keys(settings).length > 0) {
    await query(em, sql`select ${assignments(settings)}`);
  }
}

/**
 * Runs `body` with these settings (planner switches, say) for its own statements only: they
 * are set for the transaction, then put back as they were, so that whatever the transaction
 * runs before or after `body` plans as it would have. One statement reads the old values and
 * sets the new ones (the materialized CTE is read first), one puts the old ones back and sets
 * `afterwards`, the settings of the statements that follow (a statement fewer for them).
 */
export async function withLocalSettings<T>(
  em: EntityManager,
  settings: Readonly<Record<string, string>>,
  body: () => Promise<T>,
  afterwards: Readonly<Record<string, string>> = {},
): Promise<T> {
  const names = Object.keys(settings);
  const current = Sql.join(
    names.map((name, i) => sql`current_setting(${name}) as ${Sql.raw(`s${i}`)}`),
    ", ",
  );
  const onShards = citusConnections.has(em.getConnection());
  const [previous] = await query<Record<string, string>>(
    em,
    onShards
      ? sql`select ${current}`
      : sql`with previous as materialized (select ${current}) select previous.*, ${assignments(settings)} from previous`,
  );
  if (onShards) await setLocalSettings(em, settings);
  try {
    return await body();
  } finally {
    const restored = Object.fromEntries(names.map((name, i) => [name, previous?.[`s${i}`] ?? ""]));
    await setLocalSettings(em, { ...restored, ...afterwards });
  }
}

/** set_config() of each setting, for the rest of the transaction. */
function assignments(settings: Readonly<Record<string, string>>): Sql {
  return Sql.join(
    Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
    ", ",
  );
}

/** A setting's name as SET takes it: only names the code spells, never a caller's text. */
const SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** SET takes no parameters: the value goes in as a quoted literal. */
function setLocal(name: string, value: string): Sql {
  if (!SETTING_NAME.test(name)) throw new Error(`not a setting's name: ${JSON.stringify(name)}`);
  return Sql.raw(`set local ${name} = '${value.replaceAll("'", "''")}'`);
}
