import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { vectorLiteral } from "../../../db/vector-literal.js";
import { query, sql, type Sql } from "../../../db/sql.js";
import { RECORD_COLUMNS, toRecord, type MemoryColumns } from "../../columns.js";
import { MemoryEntity, type MemoryRow } from "../../memory.entity.js";
import type { Neighbour } from "./write-guard.js";

/** A draft about to be written, as the write guard looks for memories near it. */
export interface NeighbourProbe {
  /** The acting agent: the probe sees what that agent may read. */
  agentId: string | null;
  subjectType: string;
  subjectId: string | null;
  vector: number[];
}

/** How many neighbours each probe gets: the near duplicate and three possible conflicts. */
const NEIGHBOURS = 4;

/** The write guard's one query: the active memories nearest to contents about to be written, by subject. */
export class NeighbourRepository extends SqlEntityRepository<MemoryRow> {
  /** Bind to the write's transaction. */
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * For each probe, the NEIGHBOURS active memories of its subject nearest to its vector (by the
   * same model), most similar first, among those its agent may read (the read rule of
   * visibility.ts, per probe): one statement for a whole batch. Ranked exactly: ordering by the
   * similarity rather than by the distance operator keeps the approximate HNSW index out, and
   * the subject's rows come from the subject index (memories_subject).
   */
  async nearest({
    workspaceId,
    admin,
    probes,
    model,
    now,
  }: {
    workspaceId: string;
    /** An admin's probes see every memory of the subject; an agent's, those its agent may read. */
    admin: boolean;
    probes: NeighbourProbe[];
    model: string;
    now: Date;
  }): Promise<Neighbour[][]> {
    if (probes.length === 0) return [];
    const readable = admin
      ? sql`true`
      : sql`(memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = p.agent_id)`;
    // One branch per kind of subject id, each an index scan of memories_subject: an OR of the
    // two would match on (workspace, subject_type) alone and filter every row of that type.
    // A branch whose condition on the probe is false is skipped without running.
    const near = (
      subjectMatch: Sql,
    ) => sql`select ${RECORD_COLUMNS}, 1 - (memories.embedding <=> p.vector) as similarity
        from memories
        where memories.workspace_id = ${workspaceId} and memories.subject_type = p.subject_type and ${subjectMatch}
          and memories.delete_time is null and memories.superseded_by is null
          and (memories.expire_time is null or memories.expire_time > ${now})
          and memories.embedding is not null and memories.embedding_model = ${model} and ${readable}`;
    const rows = await query<MemoryColumns & { probe: number | string; similarity: number | string }>(
      this.em,
      sql`select p.probe, near.* from unnest(
            ${probes.map((p) => p.agentId)}::text[], ${probes.map((p) => p.subjectType)}::text[],
            ${probes.map((p) => p.subjectId)}::text[], ${probes.map((p) => vectorLiteral(p.vector))}::vector[]
          ) with ordinality as p(agent_id, subject_type, subject_id, vector, probe)
        cross join lateral (
          ${near(sql`p.subject_id is not null and memories.subject_id = p.subject_id`)}
          union all
          ${near(sql`p.subject_id is null and memories.subject_id is null`)}
          order by similarity desc, id limit ${NEIGHBOURS}
        ) as near
        order by p.probe, near.similarity desc`,
    );
    const out: Neighbour[][] = probes.map(() => []);
    for (const row of rows) {
      out[Number(row.probe) - 1]?.push({ record: toRecord(row), similarity: Number(row.similarity) });
    }
    return out;
  }
}
