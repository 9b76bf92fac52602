import type { EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../../db/sql.js";

/**
 * Takes a fold's lock for the rest of the caller's transaction: one fold of a table's rows of a
 * workspace at a time across servers. The folder's skips a workspace whose lock another holds
 * (false); an erasure's waits for it. Per workspace and in a statement of its own, so that on
 * Citus the fold's statement names one workspace only and runs whole on its shard.
 */
export async function takeFoldLock(
  em: EntityManager,
  key: number,
  workspaceId: string,
  wait: boolean,
): Promise<boolean> {
  const [row] = await query<{ got: boolean }>(
    em,
    wait
      ? sql`select true as got from (select pg_advisory_xact_lock(${key}, hashtext(${workspaceId}))) as waited`
      : sql`select pg_try_advisory_xact_lock(${key}, hashtext(${workspaceId})) as got`,
  );
  return row?.got === true;
}
