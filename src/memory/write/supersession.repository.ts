import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../../db/sql.js";
import { changeAssignments } from "../change.js";
import { RECORD_COLUMNS as COLUMNS, single, toRecord, type MemoryColumns } from "../columns.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";
import type { MemoryRecord } from "../record.js";
import type { WriteStamp } from "../memory-writes.js";

/** Supersession's statements: a newer memory replaces older ones, and the undo. */
export class SupersessionRepository extends SqlEntityRepository<MemoryRow> {
  /** Bind to the write's transaction. */
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * Marks these memories superseded by `successor` (locked in id order first, so that writers
   * superseding overlapping sets cannot deadlock), ending their validity where the successor's
   * begins unless it ended earlier, never before it began. Leaves out those deleted or superseded
   * meanwhile; returns the ids it superseded. A memory some of whose readers may not read the
   * successor ends at the supersession instead: its validity must not tell them when a memory
   * they cannot see starts to hold.
   */
  async supersede({
    workspaceId,
    ids,
    successor,
    now,
    change,
  }: WriteStamp & { workspaceId: string; ids: readonly string[]; successor: MemoryRecord }): Promise<string[]> {
    if (ids.length === 0) return [];
    const sorted = [...ids].sort();
    await query(
      this.em,
      sql`select id from memories where workspace_id = ${workspaceId} and id = any(${sorted}::uuid[])
        order by id for update`,
    );
    const starts = sql`${successor.validFrom ?? successor.createTime}::timestamptz`;
    const from =
      successor.visibility === "shared" || successor.agentId === null
        ? starts
        : sql`(case when visibility = 'private' and agent_id = ${successor.agentId} then ${starts}
            else ${now}::timestamptz end)`;
    const rows = await query<{ id: string }>(
      this.em,
      sql`update memories set superseded_by = ${successor.id}::uuid,
          valid_until = case when valid_until is not null and valid_until <= ${from} then valid_until
            else greatest(${from}, coalesce(valid_from, create_time)) end,
          update_time = ${now}, revision = revision + 1, ${changeAssignments(change)}
        where workspace_id = ${workspaceId} and id = any(${sorted}::uuid[])
          and superseded_by is null and delete_time is null
        returning id`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Undoes a supersession: active again, its validity back to what it was before it was
   * superseded (the revision before its latest SUPERSEDED one).
   */
  async unsupersede({ target, now, change }: WriteStamp & { target: MemoryRecord }): Promise<MemoryRecord> {
    return single(
      await this.all(
        sql`update memories set superseded_by = null,
          valid_until = (select (before.memory ->> 'valid_until')::timestamptz from memory_revisions before
            where before.workspace_id = memories.workspace_id and before.memory_id = memories.id
              and before.revision < (select max(revision) from memory_revisions s
                where s.workspace_id = memories.workspace_id and s.memory_id = memories.id and s.change = 'superseded')
            order by before.revision desc limit 1),
          update_time = ${now}, revision = revision + 1, ${changeAssignments(change)}
        where workspace_id = ${target.workspaceId} and id = ${target.id}
        returning ${COLUMNS}`,
      ),
    );
  }

  private async all(statement: ReturnType<typeof sql>): Promise<MemoryRecord[]> {
    return (await query<MemoryColumns>(this.em, statement)).map(toRecord);
  }
}
