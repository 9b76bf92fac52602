import type { EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../db/sql.js";

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

interface Row {
  workspace_id: string;
  id: string;
  display_name: string;
  scopes: string[];
  agent_id: string | null;
  create_time: Date | string;
  revoke_time: Date | string | null;
}

const COLUMNS = sql`workspace_id, id, display_name, scopes, agent_id, create_time, revoke_time`;

/** Every SQL statement that touches `api_keys`. */
export class ApiKeyRepository {
  /** Bind to a transaction's entity manager to run inside that transaction. */
  constructor(private readonly db: EntityManager) {}

  async insert(key: ApiKeyRecord, keyHash: string): Promise<ApiKeyRecord> {
    const rows = await query<Row>(
      this.db,
      sql`insert into api_keys (workspace_id, id, key_hash, display_name, scopes, agent_id, create_time)
        values (${key.workspaceId}, ${key.id}, ${keyHash}, ${key.displayName}, ${key.scopes}::text[], ${key.agentId}, ${key.createTime})
        returning ${COLUMNS}`,
    );
    return toRecord(rows[0] as Row);
  }

  /** The unrevoked key with this secret hash, from any workspace. */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from api_keys where key_hash = ${keyHash} and revoke_time is null`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async countAll(): Promise<number> {
    const rows = await query<{ n: number | string }>(this.db, sql`select count(*) as n from api_keys`);
    return Number(rows[0]?.n ?? 0);
  }

  async list(
    workspaceId: string,
    options: { showRevoked: boolean; afterId?: string; limit: number },
  ): Promise<ApiKeyRecord[]> {
    const rows = await query<Row>(
      this.db,
      sql`select ${COLUMNS} from api_keys where workspace_id = ${workspaceId}
        ${options.showRevoked ? sql`` : sql`and revoke_time is null`}
        ${options.afterId ? sql`and id > ${options.afterId}::uuid` : sql``}
        order by id limit ${options.limit}`,
    );
    return rows.map(toRecord);
  }

  async revoke(workspaceId: string, id: string, now: Date): Promise<ApiKeyRecord | null> {
    const rows = await query<Row>(
      this.db,
      // The notification goes out when the revocation commits, to every server's key cache.
      sql`with revoked as (
          update api_keys set revoke_time = coalesce(revoke_time, ${now})
          where workspace_id = ${workspaceId} and id = ${id}::uuid
          returning ${COLUMNS})
        select revoked.*, pg_notify(${API_KEYS_CHANGED}, revoked.id::text) from revoked`,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    displayName: row.display_name,
    scopes: row.scopes,
    agentId: row.agent_id,
    createTime: new Date(row.create_time),
    revokeTime: row.revoke_time === null ? null : new Date(row.revoke_time),
  };
}
