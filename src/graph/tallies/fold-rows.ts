import type { EntityManager } from "@mikro-orm/sql";
import { query, sql, Sql } from "../../db/sql.js";
import { allOf } from "../../memory/filters.js";

/** Tally rows folded at once at most: bounds how long a fold holds its locks and memory. */
export const FOLD_BATCH = 5_000;

/** One fold's rows: every row of the keys of up to FOLD_BATCH unfolded rows of a workspace. */
export interface FoldBatch {
  table: "entity_tallies" | "relation_tallies";
  /** The key's columns after workspace_id: a key's rows fold into one. */
  key: readonly string[];
  workspaceId: string;
  /** The rows' tally ids, as they stood when taken. */
  ids: string[];
  /** How many of them were unfolded. */
  unfolded: number;
}

/**
 * A fold's first statement: the ids of the rows of the keys of the workspace's oldest unfolded
 * rows (in order, so that the statements after it are the same on every engine), or null when
 * none is. Only ids leave the database: the statement that writes the sums reads the rows
 * (batchRows), and dropBatch deletes them, both by these ids, so that a row a writer inserts
 * meanwhile (writers only insert) is neither summed nor deleted. Under the fold's lock no other
 * fold touches them. Plain statements in the caller's transaction, each reading one workspace,
 * rather than one with data-modifying CTEs: Citus runs each on the workspace's shard, where it
 * cannot plan an INSERT ... SELECT over a CTE of deleted rows.
 */
export async function takeFoldBatch(
  em: EntityManager,
  table: FoldBatch["table"],
  key: readonly string[],
  workspaceId: string,
): Promise<FoldBatch | null> {
  const t = Sql.raw(table);
  const columns = Sql.raw(key.join(", "));
  const [row] = await query<{ ids: string[] | null; unfolded: number | string }>(
    em,
    sql`select array_agg(r.tally_id order by r.tally_id)::text[] as ids, count(*) filter (where not r.folded) as unfolded
      from (select distinct ${columns} from (select ${columns} from ${t} where workspace_id = ${workspaceId} and not folded
        order by tally_id limit ${FOLD_BATCH}) u) k
      cross join lateral (${keyRows({ table, key, workspaceId }, sql`r.tally_id, r.folded`)}) r`,
  );
  const ids = row?.ids ?? [];
  return ids.length === 0 ? null : { table, key, workspaceId, ids, unfolded: Number(row?.unfolded ?? 0) };
}

/** The batch's rows, as a FROM item. */
export function batchRows(batch: FoldBatch): Sql {
  return sql`(select r.* from ${batchKeys(batch)} cross join lateral (${keyRows(batch, sql`r.*`)}) r where ${inBatch(batch, "r")})`;
}

/** Deletes the batch's rows, once their sums are written (as new rows, with ids of their own). */
export async function dropBatch(em: EntityManager, batch: FoldBatch): Promise<void> {
  const t = Sql.raw(batch.table);
  await query(
    em,
    sql`delete from ${t} where workspace_id = ${batch.workspaceId} and ctid = any(array(
      select r.ctid from ${batchKeys(batch)} cross join lateral (${keyRows(batch, sql`r.ctid, r.tally_id`)}) r
      where ${inBatch(batch, "r")}))`,
  );
}

/** The batch's keys (`k`), by the partial index on unfolded rows: each has at least one. */
function batchKeys(batch: FoldBatch): Sql {
  const columns = Sql.raw(batch.key.join(", "));
  return sql`(select distinct ${columns} from ${Sql.raw(batch.table)} t
    where t.workspace_id = ${batch.workspaceId} and not t.folded and ${inBatch(batch, "t")}) k`;
}

/** Row `table` is one of the batch's (as taken: not one inserted since). */
function inBatch(batch: FoldBatch, table: string): Sql {
  return sql`${Sql.raw(table)}.tally_id = any(${batch.ids}::bigint[])`;
}

/**
 * `columns` of key `k`'s rows `r`, by the primary key. Behind OFFSET 0, with the batch's ids
 * tested outside: the planner, which cannot tell a fold's few keys from the 5,000 a batch may
 * hold, joined the keys to every row of the workspace (a scan of all its relation tallies at
 * every fold); and with the ids inside, probed each key through an index on names instead.
 */
function keyRows(batch: Pick<FoldBatch, "table" | "key" | "workspaceId">, columns: Sql): Sql {
  const same = batch.key.map((c) => Sql.raw(`r.${c} = k.${c}`));
  return sql`select ${columns} from ${Sql.raw(batch.table)} r
    where ${allOf([sql`r.workspace_id = ${batch.workspaceId}`, ...same])} offset 0`;
}
