import { DomainError } from "../errors/domain-error.js";
import type { Viewer } from "./principal.js";
import { Sql, sql } from "../db/sql.js";

/**
 * The read rule, in SQL: same workspace AND (shared OR no owner OR owned by the acting agent
 * OR admin). Every memory query includes it, so an invisible memory is simply absent:
 * callers answer NOT_FOUND whether it exists or not.
 */
export function visibleTo(viewer: Viewer, table = "memories"): Sql {
  if (viewer.admin) {
    return sql`${Sql.raw(table)}.workspace_id = ${viewer.workspaceId}`;
  }
  return sql`${Sql.raw(table)}.workspace_id = ${viewer.workspaceId} and (${Sql.raw(table)}.visibility = 'shared' or ${Sql.raw(table)}.agent_id is null or ${Sql.raw(table)}.agent_id = ${viewer.agentId})`;
}

/**
 * The write rule (DESIGN 5): of the memories a viewer can see, only its own may change; a
 * memory with no owner agent is everyone's to read but only an admin's to change.
 */
export function mayModify(viewer: Viewer, memory: { agentId: string | null }): boolean {
  return viewer.admin || (memory.agentId !== null && memory.agentId === viewer.agentId);
}

/** The write rule as a check: PERMISSION_DENIED, saying why, for a memory the viewer may not change. */
export function assertCanModify(viewer: Viewer, memory: { id: string; agentId: string | null }): void {
  if (mayModify(viewer, memory)) return;
  if (memory.agentId === null) {
    throw new DomainError(
      "permission_denied",
      "NOT_OWNER",
      `memory ${memory.id} has no owner agent; only an admin key may change it`,
    );
  }
  if (viewer.agentId === null) {
    // Without an acting agent the caller could only see this memory because it is shared.
    throw new DomainError(
      "permission_denied",
      "NOT_OWNER",
      `memory ${memory.id} belongs to another agent; name it as agent_id`,
    );
  }
  throw new DomainError("permission_denied", "NOT_OWNER", `memory ${memory.id} belongs to another agent`);
}
