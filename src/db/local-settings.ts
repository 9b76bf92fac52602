import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "./sql.js";

/**
 * Runs `body` with these settings (planner switches, say) for its own statements only: they
 * are set for the transaction, then put back as they were, so that whatever the transaction
 * runs before or after `body` plans as it would have. One statement reads the old values and
 * sets the new ones (the materialized CTE is read first), one puts the old ones back.
 */
export async function withLocalSettings<T>(
  em: EntityManager,
  settings: Readonly<Record<string, string>>,
  body: () => Promise<T>,
): Promise<T> {
  const names = Object.keys(settings);
  const assign = (value: (name: string, i: number) => Sql) =>
    Sql.join(
      names.map((name, i) => sql`set_config(${name}, ${value(name, i)}, true)`),
      ", ",
    );
  const current = Sql.join(
    names.map((name, i) => sql`current_setting(${name}) as ${Sql.raw(`s${i}`)}`),
    ", ",
  );
  const [previous] = await query<Record<string, string>>(
    em,
    sql`with previous as materialized (select ${current}) select previous.*, ${assign((name) => sql`${settings[name]}`)}
      from previous`,
  );
  try {
    return await body();
  } finally {
    await query(em, sql`select ${assign((_, i) => sql`${previous?.[`s${i}`] ?? ""}`)}`);
  }
}
