import { SqlEntityRepository, type EntityManager, type SqlEntityManager } from "@mikro-orm/sql";
import { LockMode, type FilterQuery as OrmFilter } from "@mikro-orm/core";
import type { Viewer } from "../auth/principal.js";
import { StagedWriteEntity, type StagedWriteRow } from "./staged-write.entity.js";

export type StoredState = StagedWriteRow["state"];

/** What listing asks for: "expired" is a pending staged write past its expire_time. */
export type ListedState = StoredState | "expired" | "any";

/** Staged writes, always seen through a viewer's read rule (see readableBy). */
export class StagedWriteRepository extends SqlEntityRepository<StagedWriteRow> {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(em: EntityManager) {
    super(em as SqlEntityManager, StagedWriteEntity);
  }

  async add(row: StagedWriteRow): Promise<void> {
    await this.insert(row);
  }

  /** The staged write if the viewer may see it; locked for the transaction when asked. */
  async findVisible(viewer: Viewer, id: string, options: { forUpdate?: boolean } = {}): Promise<StagedWriteRow | null> {
    return this.findOne(
      { $and: [{ id }, readableBy(viewer)] },
      { disableIdentityMap: true, ...(options.forUpdate === true ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) },
    );
  }

  /** Newest first, after the id `after` (keyset: ids are UUIDv7, so time-ordered). */
  async listVisible(
    viewer: Viewer,
    state: ListedState,
    after: string | null,
    limit: number,
    now: Date,
  ): Promise<StagedWriteRow[]> {
    const conditions: OrmFilter<StagedWriteRow>[] = [readableBy(viewer)];
    if (after !== null) conditions.push({ id: { $lt: after } });
    if (state === "pending") conditions.push({ state: "pending", expireTime: { $gt: now } });
    else if (state === "expired") conditions.push({ state: "pending", expireTime: { $lte: now } });
    else if (state !== "any") conditions.push({ state });
    return this.find({ $and: conditions }, { orderBy: { id: "desc" }, limit, disableIdentityMap: true });
  }

  async resolve(row: StagedWriteRow, state: "applied" | "discarded", body: Uint8Array, now: Date): Promise<void> {
    await this.nativeUpdate(
      { workspaceId: row.workspaceId, id: row.id },
      { state, body: Buffer.from(body), resolveTime: now },
    );
  }

  /** Forgets staged writes that expired before the cutoff, whatever became of them. */
  async purge(cutoff: Date): Promise<number> {
    return this.nativeDelete({ expireTime: { $lt: cutoff } });
  }
}

/**
 * The read rule for staged writes, like memories' (visibility.ts) without sharing: same
 * workspace AND (staged as no agent OR as the acting agent OR admin).
 */
function readableBy(viewer: Viewer): OrmFilter<StagedWriteRow> {
  if (viewer.admin) return { workspaceId: viewer.workspaceId };
  return {
    workspaceId: viewer.workspaceId,
    $or: [{ agentId: null }, ...(viewer.agentId === null ? [] : [{ agentId: viewer.agentId }])],
  };
}
