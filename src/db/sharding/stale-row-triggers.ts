import type { EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../sql.js";

/** Each trigger function a list of statements creates, by name, with its body. */
export function triggerBodies(statements: readonly string[]): { name: string; body: string }[] {
  return statements.flatMap((statement) =>
    [...statement.matchAll(/function (\w+)\(\) returns trigger as \$\$(.*?)\$\$/gsu)].map(
      ([, name = "", body = ""]) => ({ name, body }),
    ),
  );
}

/**
 * Whether a trigger function of `rowTriggers` (the row forms Citus runs) is missing or has
 * another body in the database: a migration that replaces the memories' trigger functions
 * writes their statement forms, whose transition tables a row trigger does not have.
 */
export async function staleRowTriggers(em: EntityManager, rowTriggers: readonly string[]): Promise<boolean> {
  const wanted = triggerBodies(rowTriggers);
  const installed = await query<{ name: string; body: string }>(
    em,
    sql`select p.proname as name, p.prosrc as body from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname = any(${wanted.map((f) => f.name)}::text[])`,
  );
  const bodies = new Map(installed.map((f) => [f.name, f.body]));
  return wanted.some((f) => bodies.get(f.name) !== f.body);
}
