import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { uuidsIn } from "../../ids.js";
import { WriteRequestEntity, type WriteRequestRow } from "./write-request.entity.js";

export interface RequestKey {
  workspaceId: string;
  agentScope: string;
  requestId: string;
}

/** The request_id ledger behind idempotent writes. */
export class WriteRequestRepository extends SqlEntityRepository<WriteRequestRow> {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(em: EntityManager) {
    super(em, WriteRequestEntity);
  }

  /**
   * Claims a request id inside the caller's transaction. A concurrent claim of the same id
   * waits for this transaction, then finds the row: exactly one writer does the work.
   */
  async claim({ key, requestHash, now }: { key: RequestKey; requestHash: string; now: Date }): Promise<boolean> {
    const result: { affectedRows: number } = await this.qb()
      .insert({ ...key, requestHash, createTime: now })
      .onConflict(["workspaceId", "agentScope", "requestId"])
      .ignore()
      .execute("run");
    return result.affectedRows === 1;
  }

  async findRequest(key: RequestKey): Promise<{ requestHash: string; response: Uint8Array | null } | null> {
    const row = await this.findOne(key, { fields: ["requestHash", "response"], disableIdentityMap: true });
    return row && { requestHash: row.requestHash, response: row.response ?? null };
  }

  async saveResponse(key: RequestKey, response: Uint8Array): Promise<void> {
    await this.nativeUpdate(key, { response: Buffer.from(response), memoryIds: uuidsIn(response) });
  }

  /** Gives up a claim whose write failed: a retry of the request may then run it. */
  async release(key: RequestKey): Promise<void> {
    await this.nativeDelete(key);
  }

  /** Forgets request ids older than the cutoff: retries are expected within minutes, not days. */
  async purge(cutoff: Date): Promise<number> {
    return this.nativeDelete({ createTime: { $lt: cutoff } });
  }
}
