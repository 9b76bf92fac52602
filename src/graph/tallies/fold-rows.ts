import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "../../db/sql.js";

/** Tally rows folded at once at most: bounds how long a fold holds its locks and memory. */
export const FOLD_BATCH = 5_000;

/**
 * A fold's first statements: reads every row of the keys (`key`, columns of `table`) of up to
 * FOLD_BATCH unfolded rows of the workspace, as JSON in a set order (so that the statement that
 * writes their sums back is the same on every engine), then deletes those rows by their ids;
 * returns the rows and how many were unfolded. Under the fold's lock no other fold touches them,
 * and writers only insert. Plain statements in the caller's transaction rather than one with
 * data-modifying CTEs: Citus runs each on the workspace's shard, where it cannot plan the one
 * statement's INSERT ... SELECT over a CTE of deleted rows (nor a function in RETURNING).
 */
export async function takeFoldedKeys(
  em: EntityManager,
  table: "entity_tallies" | "relation_tallies",
  key: Sql,
  workspaceId: string,
): Promise<{ rows: string[]; unfolded: number }> {
  const t = Sql.raw(table);
  const read = await query<{ row: { tally_id: number | string; folded: boolean } }>(
    em,
    sql`select to_jsonb(t) as row from ${t} t where workspace_id = ${workspaceId} and (${key}) in (
        select ${key} from ${t} where workspace_id = ${workspaceId} and not folded order by tally_id limit ${FOLD_BATCH})
      order by tally_id`,
  );
  if (read.length === 0) return { rows: [], unfolded: 0 };
  await query(
    em,
    sql`delete from ${t} where workspace_id = ${workspaceId}
      and tally_id = any(${read.map((r) => String(r.row.tally_id))}::bigint[])`,
  );
  const rows = read.map((r) => JSON.stringify(r.row)).sort();
  return { rows, unfolded: read.filter((r) => !r.row.folded).length };
}

/** The rows takeFoldedKeys returned, as a relation `gone` with these typed columns (`name type, ...`). */
export function goneRows(rows: readonly string[], typedColumns: string): Sql {
  return sql`select * from jsonb_to_recordset(${`[${rows.join(",")}]`}::jsonb) as gone(${Sql.raw(typedColumns)})`;
}
