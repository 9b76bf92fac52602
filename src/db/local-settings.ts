import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "./sql.js";

/** Sets these settings for the rest of the transaction, in one statement. */
export async function setLocalSettings(em: EntityManager, settings: Readonly<Record<string, string>>): Promise<void> {
  await query(em, sql`select ${assignments(settings)}`);
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
  const [previous] = await query<Record<string, string>>(
    em,
    sql`with previous as materialized (select ${current}) select previous.*, ${assignments(settings)} from previous`,
  );
  try {
    return await body();
  } finally {
    const restored = Object.fromEntries(names.map((name, i) => [name, previous?.[`s${i}`] ?? ""]));
    await query(em, sql`select ${assignments({ ...restored, ...afterwards })}`);
  }
}

/** set_config() of each setting, for the rest of the transaction. */
function assignments(settings: Readonly<Record<string, string>>): Sql {
  return Sql.join(
    Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
    ", ",
  );
}
