import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { LockMode, type FilterQuery as OrmFilter } from "@mikro-orm/core";
import type { Viewer } from "../auth/principal.js";
import { uuidsIn } from "../ids.js";
import { PAGE_BYTES } from "../paging.js";
import { StagedWriteEntity, type StagedWriteDraft, type StagedWriteRow } from "./staged-write.entity.js";

export type StoredState = StagedWriteRow["state"];

/** What listing asks for: "expired" is a pending staged write past its expire_time. */
export type ListedState = StoredState | "expired" | "any";

/** Who reads: the acting viewer, and the key it calls with (the key that staged a write may read it). */
export interface StagedWriteReader {
  viewer: Viewer;
  keyId: string;
}

/** Staged writes, always seen through a reader's read rule (see readableBy). */
export class StagedWriteRepository extends SqlEntityRepository<StagedWriteRow> {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(em: EntityManager) {
    super(em, StagedWriteEntity);
  }

  async add(row: StagedWriteDraft): Promise<void> {
    await this.insert({ ...row, memoryIds: uuidsIn(row.body) });
  }

  /** The staged write if the reader may see it; locked for the transaction when asked. */
  async findVisible(
    reader: StagedWriteReader,
    id: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<StagedWriteRow | null> {
    return this.findOne(
      { $and: [{ id }, readableBy(reader)] },
      { disableIdentityMap: true, ...(options.forUpdate === true ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) },
    );
  }

  /**
   * Newest first, after the id `after` (keyset: ids are UUIDv7, so time-ordered): at most
   * `pageSize`, and fewer when their bodies reach PAGE_BYTES (a body holds up to 100 writes and
   * their previews and results, tens of MB). The sizes are read first, from the stored lengths
   * (no body is read to count them), then the bodies of the page alone. `nextAfter` is the
   * position the next page starts after (null: none follows).
   */
  async listVisible({
    reader,
    state,
    after,
    pageSize,
    now,
  }: {
    reader: StagedWriteReader;
    state: ListedState;
    /** The last id of the previous page; null for the first. */
    after: string | null;
    pageSize: number;
    now: Date;
  }): Promise<{ page: StagedWriteRow[]; nextAfter: string | null }> {
    const conditions: OrmFilter<StagedWriteRow>[] = [readableBy(reader)];
    if (after !== null) conditions.push({ id: { $lt: after } });
    if (state === "pending") conditions.push({ state: "pending", expireTime: { $gt: now } });
    else if (state === "expired") conditions.push({ state: "pending", expireTime: { $lte: now } });
    else if (state !== "any") conditions.push({ state });
    const sized = await this.find(
      { $and: conditions },
      { fields: ["id", "bodyBytes"], orderBy: { id: "desc" }, limit: pageSize + 1, disableIdentityMap: true },
    );
    let bytes = 0;
    const ids: string[] = [];
    for (const row of sized.slice(0, pageSize)) {
      if (bytes >= PAGE_BYTES) break;
      bytes += Number(row.bodyBytes);
      ids.push(row.id);
    }
    if (ids.length === 0) return { page: [], nextAfter: null };
    // The same conditions again: one that changed state in between is left out, not shown as it now is.
    const page = await this.find(
      { $and: [...conditions, { id: { $in: ids } }] },
      { orderBy: { id: "desc" }, disableIdentityMap: true },
    );
    return { page, nextAfter: sized.length > ids.length ? (ids.at(-1) ?? null) : null };
  }

  /** Stores a staged write's new state, body and resolve time. */
  async resolve(row: StagedWriteDraft): Promise<void> {
    const { state, body, resolveTime } = row;
    const memoryIds = uuidsIn(body);
    await this.nativeUpdate({ workspaceId: row.workspaceId, id: row.id }, { state, body, resolveTime, memoryIds });
  }

  /** Forgets staged writes that expired before the cutoff, whatever became of them. */
  async purge(cutoff: Date): Promise<number> {
    return this.nativeDelete({ expireTime: { $lt: cutoff } });
  }
}

/**
 * The read rule for staged writes: same workspace AND (admin OR the key that staged it OR every
 * agent its writes act as is the acting agent). A staged write acting as no agent is the
 * workspace's, like an ownerless memory; one acting as several agents is only its stager's and
 * admins', since no single agent may read what the others would write. The memories inside
 * its answers pass the memory read rule again when it is read (memory/write/readable-answers.ts).
 */
function readableBy({ viewer, keyId }: StagedWriteReader): OrmFilter<StagedWriteRow> {
  if (viewer.admin) return { workspaceId: viewer.workspaceId };
  return {
    workspaceId: viewer.workspaceId,
    $or: [{ stagedByKeyId: keyId }, { agentIds: { $contained: viewer.agentId === null ? [] : [viewer.agentId] } }],
  };
}
