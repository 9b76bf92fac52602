import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { query, sql } from "../../db/sql.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";

/** The expiry sweeper's statements: expiries recorded in history, and purges past retention. */
export class RetentionRepository extends SqlEntityRepository<MemoryRow> {
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * Records the expiry of memories whose expire_time has passed as a revision (EXPIRED, at the
   * expire_time, by no key): expiry happens by the clock, and this is when history learns of it.
   * Returns how many.
   */
  async recordExpiries({ now, batchSize }: { now: Date; batchSize: number }): Promise<number> {
    const rows = await query<{ id: string }>(
      this.em,
      sql`update memories set revision = revision + 1, update_time = expire_time, last_change = 'expired',
          last_change_key_id = null, last_change_agent_id = null, last_change_reason = null
        where (workspace_id, id) in (
          select workspace_id, id from memories
          where expire_time is not null and last_change <> 'expired' and expire_time <= ${now}
            and delete_time is null
          limit ${batchSize})
        returning id`,
    );
    return rows.length;
  }

  /** Deletes for good what was deleted or expired before the cutoff, with its revisions. Returns how many. */
  async purge({ cutoff, batchSize }: { cutoff: Date; batchSize: number }): Promise<number> {
    const rows = await query<{ id: string }>(
      this.em,
      sql`with purged as (
          delete from memories where (workspace_id, id) in (
            select workspace_id, id from memories
            where coalesce(delete_time, expire_time) < ${cutoff}
              and (delete_time is not null or expire_time is not null)
            limit ${batchSize})
          returning workspace_id, id),
        revisions as (
          delete from memory_revisions r using purged
          where r.workspace_id = purged.workspace_id and r.memory_id = purged.id)
        select id from purged`,
    );
    return rows.length;
  }
}
