import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { Sql, query, sql } from "../../db/sql.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";
import type { MemoryState } from "../record.js";

export type EmbeddingState = "attached" | "pending" | "failed";

/** How many memories of a workspace are in one state with one embedding status. */
export interface MemoryCount {
  workspaceId: string;
  state: MemoryState;
  embeddingStatus: EmbeddingState;
  count: number;
}

export interface NamedCount {
  name: string;
  count: number;
}

/** Counts over the whole memories table, for operators (metrics, `engram stats`). */
export class MemoryStatsRepository extends SqlEntityRepository<MemoryRow> {
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * Memories by workspace, state and embedding status (a deleted memory is deleted, expired or
   * not): one workspace's, or every workspace's.
   */
  async counts(now: Date, workspaceId?: string): Promise<MemoryCount[]> {
    const where = workspaceId === undefined ? sql`true` : sql`workspace_id = ${workspaceId}`;
    const rows = await query<{ workspace_id: string; state: MemoryState; embedding_status: EmbeddingState; n: string }>(
      this.em,
      sql`select workspace_id, case when delete_time is not null then 'deleted'
            when superseded_by is not null then 'superseded'
            when expire_time is not null and expire_time <= ${now} then 'expired' else 'active' end as state,
          embedding_status, count(*) as n
        from memories where ${where} group by 1, 2, 3 order by 1, 2, 3`,
    );
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      state: r.state,
      embeddingStatus: r.embedding_status,
      count: Number(r.n),
    }));
  }

  /** A workspace's active memories per kind or per owner agent ("" for none), most first. */
  async activeBy({
    workspaceId,
    by,
    now,
    limit,
  }: {
    workspaceId: string;
    by: "kind" | "agent";
    now: Date;
    limit: number;
  }): Promise<NamedCount[]> {
    const column = Sql.raw(by === "kind" ? "kind" : "coalesce(agent_id, '')");
    const rows = await query<{ name: string; n: string }>(
      this.em,
      sql`select ${column} as name, count(*) as n from memories
        where workspace_id = ${workspaceId} and delete_time is null and superseded_by is null and (expire_time is null or expire_time > ${now})
        group by 1 order by 2 desc, 1 limit ${limit}`,
    );
    return rows.map((r) => ({ name: r.name, count: Number(r.n) }));
  }

  /** Memories a workspace created on each of the last `days` UTC days, oldest first, empty days included. */
  async createdByDay({
    workspaceId,
    days,
    now,
  }: {
    workspaceId: string;
    days: number;
    now: Date;
  }): Promise<{ day: string; count: number }[]> {
    const rows = await query<{ day: string; n: string }>(
      this.em,
      sql`with bounds as (select date_trunc('day', ${now}::timestamptz at time zone 'UTC') as today)
        select to_char(d, 'YYYY-MM-DD') as day, count(m.id) as n
        from bounds, generate_series(today - make_interval(days => ${days - 1}::int), today, interval '1 day') as d
        left join memories m on m.workspace_id = ${workspaceId}
          and m.create_time >= d at time zone 'UTC' and m.create_time < (d + interval '1 day') at time zone 'UTC'
        group by d order by d`,
    );
    return rows.map((r) => ({ day: r.day, count: Number(r.n) }));
  }

  /** The models that computed the stored vectors, with how many memories each. */
  async embeddingModels(): Promise<{ model: string; count: number }[]> {
    const rows = await query<{ embedding_model: string; n: string }>(
      this.em,
      sql`select embedding_model, count(*) as n from memories where embedding_model is not null
        group by 1 order by 2 desc, 1`,
    );
    return rows.map((r) => ({ model: r.embedding_model, count: Number(r.n) }));
  }
}

export interface MemoryTotals {
  active: number;
  deleted: number;
  expired: number;
  superseded: number;
  /** Waiting for a vector: pending and not deleted (what the embedding worker claims). */
  embeddingBacklog: number;
  /** Refused by the embedder. */
  embeddingFailed: number;
}

/** Sums counts (of one workspace, or of all) into totals. */
export function totals(counts: readonly MemoryCount[]): MemoryTotals {
  const sum = (keep: (c: MemoryCount) => boolean) => counts.filter(keep).reduce((n, c) => n + c.count, 0);
  return {
    active: sum((c) => c.state === "active"),
    deleted: sum((c) => c.state === "deleted"),
    expired: sum((c) => c.state === "expired"),
    superseded: sum((c) => c.state === "superseded"),
    embeddingBacklog: sum((c) => c.embeddingStatus === "pending" && c.state !== "deleted"),
    embeddingFailed: sum((c) => c.embeddingStatus === "failed"),
  };
}
