import { sql, type Sql } from "../../db/sql.js";

/**
 * A fold's lock and scope, as the first CTE (`lock(got)`) and a condition on its pending rows:
 * one fold of a table at a time across servers. The folder's (no workspace) skips when another
 * holds the lock; an erasure's (one workspace, in its transaction) waits for it.
 */
export function foldLock(key: number, workspaceId?: string): { lock: Sql; scope: Sql } {
  if (workspaceId === undefined) return { lock: sql`select pg_try_advisory_xact_lock(${key}) as got`, scope: sql`` };
  return {
    lock: sql`select true as got from (select pg_advisory_xact_lock(${key})) as waited`,
    scope: sql`and workspace_id = ${workspaceId}`,
  };
}
