import { SqlEntityRepository, type EntityManager, type SqlEntityManager } from "@mikro-orm/sql";
import { query, sql } from "../db/sql.js";
import { MemoryEntity, type MemoryRow } from "./memory.entity.js";

export type MemoryState = "active" | "deleted" | "expired";
export type EmbeddingState = "attached" | "pending" | "failed";

/** How many memories of a workspace are in one state with one embedding status. */
export interface MemoryCount {
  workspaceId: string;
  state: MemoryState;
  embeddingStatus: EmbeddingState;
  count: number;
}

/** Counts over the whole memories table, for operators (metrics, `engram stats`). */
export class MemoryStatsRepository extends SqlEntityRepository<MemoryRow> {
  constructor(em: EntityManager) {
    super(em as SqlEntityManager, MemoryEntity);
  }

  /** Every workspace's memories by state and embedding status (a deleted memory is deleted, expired or not). */
  async counts(now: Date): Promise<MemoryCount[]> {
    const rows = await query<{ workspace_id: string; state: MemoryState; embedding_status: EmbeddingState; n: string }>(
      this.em,
      sql`select workspace_id, case when delete_time is not null then 'deleted'
            when expire_time is not null and expire_time <= ${now} then 'expired' else 'active' end as state,
          embedding_status, count(*) as n
        from memories group by 1, 2, 3 order by 1, 2, 3`,
    );
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      state: r.state,
      embeddingStatus: r.embedding_status,
      count: Number(r.n),
    }));
  }
}

/** Memories waiting for a vector: pending and not deleted (what the embedding worker claims). */
export function embeddingBacklog(counts: readonly MemoryCount[]): number {
  return counts
    .filter((c) => c.embeddingStatus === "pending" && c.state !== "deleted")
    .reduce((sum, c) => sum + c.count, 0);
}
