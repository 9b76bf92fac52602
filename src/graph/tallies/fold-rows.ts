import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "../../db/sql.js";

/** Tally rows folded at once at most: bounds how long a fold holds its locks and memory. */
export const FOLD_BATCH = 5_000;

/** One fold's rows: every row of the keys (`key`, columns of `table`) of up to FOLD_BATCH unfolded rows. */
export interface FoldBatch {
  table: "entity_tallies" | "relation_tallies";
  key: Sql;
  workspaceId: string;
  /** The rows' tally ids, as they stood when taken. */
  ids: string[];
  /** How many of them were unfolded. */
  unfolded: number;
}

/**
 * A fold's first statement: the ids of the rows of the keys of the workspace's oldest unfolded
 * rows, or null when none is; in order, so that the statements after it are the same on every
 * engine. Only ids leave the database: the rows themselves are read by the
 * statement that writes their sums (batchRows), then deleted by their ids (dropBatch), so that
 * a row a writer inserts meanwhile (writers only insert) is neither summed nor deleted. Under
 * the fold's lock no other fold touches them. Plain statements in the caller's transaction,
 * each reading one workspace, rather than one with data-modifying CTEs: Citus runs each on the
 * workspace's shard, where it cannot plan an INSERT ... SELECT over a CTE of deleted rows.
 */
export async function takeFoldBatch(
  em: EntityManager,
  table: FoldBatch["table"],
  key: Sql,
  workspaceId: string,
): Promise<FoldBatch | null> {
  const t = Sql.raw(table);
  const [row] = await query<{ ids: string[] | null; unfolded: number | string }>(
    em,
    sql`select array_agg(tally_id order by tally_id)::text[] as ids, count(*) filter (where not folded) as unfolded
      from ${t} where workspace_id = ${workspaceId} and (${key}) in (
        select ${key} from ${t} where workspace_id = ${workspaceId} and not folded order by tally_id limit ${FOLD_BATCH})`,
  );
  const ids = row?.ids ?? [];
  return ids.length === 0 ? null : { table, key, workspaceId, ids, unfolded: Number(row?.unfolded ?? 0) };
}

/** The batch's rows, as a FROM item: found by their keys (the table's primary key), then their ids. */
export function batchRows(batch: FoldBatch): Sql {
  return sql`(select * from ${Sql.raw(batch.table)} where ${inBatch(batch)})`;
}

/** Deletes the batch's rows, once their sums are written (as new rows, with ids of their own). */
export async function dropBatch(em: EntityManager, batch: FoldBatch): Promise<void> {
  await query(em, sql`delete from ${Sql.raw(batch.table)} where ${inBatch(batch)}`);
}

/**
 * The batch's rows: its unfolded rows by the partial index on them give the keys, whose rows
 * the primary key finds; the ids then leave out any row inserted since the batch was taken.
 */
function inBatch({ table, key, workspaceId, ids }: FoldBatch): Sql {
  const t = Sql.raw(table);
  const idList = sql`${ids}::bigint[]`;
  return sql`workspace_id = ${workspaceId} and (${key}) in (
      select ${key} from ${t} where workspace_id = ${workspaceId} and not folded and tally_id = any(${idList}))
    and tally_id = any(${idList})`;
}
