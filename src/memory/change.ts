import type { Viewer } from "../auth/principal.js";
import { Sql, sql } from "../db/sql.js";

/** What a change did to a memory, as its revision records it (engram.v1.MemoryChange). */
export type ChangeKind =
  | "created"
  | "updated"
  | "upserted"
  | "revived"
  | "merged"
  | "deleted"
  | "undeleted"
  | "superseded"
  | "unsuperseded"
  | "expired"
  | "imported";

/**
 * Who made a change and why. Every statement that changes a memory writes it into the row's
 * last_change columns, which the revision trigger copies into the change's revision.
 */
export interface Change {
  kind: ChangeKind;
  keyId: string | null;
  agentId: string | null;
  reason: string | null;
}

/** A change made by the viewer (its key, its acting agent). */
export function changeBy(viewer: Viewer, kind: ChangeKind, reason: string | null = null): Change {
  return { kind, keyId: viewer.keyId ?? null, agentId: viewer.agentId, reason };
}

export const CHANGE_COLUMNS = Sql.raw("last_change, last_change_key_id, last_change_agent_id, last_change_reason");

/** The CHANGE_COLUMNS of an insert, in their order. */
export function changeValues(change: Change): Sql {
  return sql`${change.kind}, ${change.keyId}, ${change.agentId}, ${change.reason}`;
}

/** The SET list of an update that records this change (its revision is bumped by the caller's statement). */
export function changeAssignments(change: Change): Sql {
  return sql`last_change = ${change.kind}, last_change_key_id = ${change.keyId},
    last_change_agent_id = ${change.agentId}, last_change_reason = ${change.reason}`;
}
