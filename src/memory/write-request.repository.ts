import type { EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../db/sql.js";

export interface RequestKey {
  workspaceId: string;
  agentScope: string;
  requestId: string;
}

/** The request_id ledger behind idempotent writes. */
export class WriteRequestRepository {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(private readonly db: EntityManager) {}

  /**
   * Claims a request id inside the caller's transaction. A concurrent claim of the same id
   * waits for this transaction, then finds the row: exactly one writer does the work.
   */
  async claim(key: RequestKey, requestHash: string, now: Date): Promise<boolean> {
    const rows = await query(
      this.db,
      sql`insert into write_requests (workspace_id, agent_scope, request_id, request_hash, create_time)
        values (${key.workspaceId}, ${key.agentScope}, ${key.requestId}, ${requestHash}, ${now})
        on conflict do nothing returning request_id`,
    );
    return rows.length === 1;
  }

  async findRequest(key: RequestKey): Promise<{ requestHash: string; response: Uint8Array | null } | null> {
    const rows = await query<{ request_hash: string; response: Uint8Array | null }>(
      this.db,
      sql`select request_hash, response from write_requests
        where workspace_id = ${key.workspaceId} and agent_scope = ${key.agentScope} and request_id = ${key.requestId}`,
    );
    const row = rows[0];
    return row ? { requestHash: row.request_hash, response: row.response } : null;
  }

  async saveResponse(key: RequestKey, response: Uint8Array): Promise<void> {
    await query(
      this.db,
      sql`update write_requests set response = ${Buffer.from(response)}
        where workspace_id = ${key.workspaceId} and agent_scope = ${key.agentScope} and request_id = ${key.requestId}`,
    );
  }

  /** Forgets request ids older than the cutoff: retries are expected within minutes, not days. */
  async purge(cutoff: Date): Promise<number> {
    const rows = await query(
      this.db,
      sql`delete from write_requests where create_time < ${cutoff} returning request_id`,
    );
    return rows.length;
  }
}
