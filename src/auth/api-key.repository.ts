import { LockMode } from "@mikro-orm/core";
import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { ApiKeyEntity, type ApiKeyRow } from "./api-key.entity.js";

/** The channel a revocation is announced on, to every server on the same database. */
export const API_KEYS_CHANGED = "engram_api_keys_changed";

export interface ApiKeyRecord {
  workspaceId: string;
  id: string;
  displayName: string;
  scopes: string[];
  agentId: string | null;
  createTime: Date;
  revokeTime: Date | null;
}

/** Reads and writes of `api_keys`; rows are read without entering the identity map. */
export class ApiKeyRepository extends SqlEntityRepository<ApiKeyRow> {
  constructor(em: EntityManager) {
    super(em, ApiKeyEntity);
  }

  async add(key: ApiKeyRecord, keyHash: string): Promise<ApiKeyRecord> {
    await this.em.insert(ApiKeyEntity, { ...key, keyHash });
    return key;
  }

  /** The unrevoked key with this secret hash, from any workspace. */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.findOne({ keyHash, revokeTime: null }, { disableIdentityMap: true });
    return row && toRecord(row);
  }

  async countAll(): Promise<number> {
    return this.count();
  }

  async list(
    workspaceId: string,
    options: { showRevoked: boolean; afterId?: string; limit: number },
  ): Promise<ApiKeyRecord[]> {
    const rows = await this.find(
      {
        workspaceId,
        ...(options.showRevoked ? {} : { revokeTime: null }),
        ...(options.afterId ? { id: { $gt: options.afterId } } : {}),
      },
      { orderBy: { id: "asc" }, limit: options.limit, disableIdentityMap: true },
    );
    return rows.map(toRecord);
  }

  /** Of these key ids, the ones revoked. */
  async revokedAmong(ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.find(
      { id: { $in: [...ids] }, revokeTime: { $ne: null } },
      { fields: ["id"], disableIdentityMap: true },
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Revokes a key (keeping the first revocation's time) and tells every server once it commits. */
  async revoke({ workspaceId, id, now }: { workspaceId: string; id: string; now: Date }): Promise<ApiKeyRecord | null> {
    return this.em.transactional(async (tem) => {
      const key = await tem.findOne(ApiKeyEntity, { workspaceId, id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (key === null) return null;
      key.revokeTime ??= now;
      await tem.flush();
      // Delivered at commit, to every server's key cache.
      await tem.execute("select pg_notify(?, ?)", [API_KEYS_CHANGED, id]);
      return toRecord(key);
    });
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    workspaceId: row.workspaceId,
    id: row.id,
    displayName: row.displayName,
    scopes: row.scopes,
    agentId: row.agentId ?? null,
    createTime: row.createTime,
    revokeTime: row.revokeTime ?? null,
  };
}
