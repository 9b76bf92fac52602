import type { EntityManager } from "@mikro-orm/sql";
import { foldLock } from "./fold-lock.js";
import { query, Sql, sql } from "../../db/sql.js";
import { readerOf, timeless } from "./tally-trigger.js";

/** Tally rows folded by one statement at most: bounds how long it holds its locks and memory. */
export const FOLD_BATCH = 5_000;

/** Serialises folds across servers (a second one skips instead of waiting): the key is arbitrary but fixed. */
const FOLD_LOCK = 0x656e_7461;

/**
 * Replaces the rows of tally keys that have unfolded deltas by one row each, their sum (none when
 * it is 0, so nothing stays of an entity no memory mentions). Where a delta removed a memory at
 * least as old as the first or as new as the last the times came from, the times are read anew
 * from the key's entity_names rows. Writers only insert, so a fold never waits on them and they
 * never wait on it; a row inserted after the fold's snapshot is left for the next fold.
 */
export class EntityTallyRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Folds up to FOLD_BATCH unfolded rows' keys; returns how many unfolded rows there were. Given
   * a workspace, only its rows, waiting for the lock; without, skipping when another fold holds it.
   */
  async fold(workspaceId?: string): Promise<number> {
    const { lock, scope } = foldLock(FOLD_LOCK, workspaceId);
    const rows = await query<{ pending: number | string }>(
      this.em,
      sql`with lock as (${lock}),
        pending as (select workspace_id, type, id, reader, name from entity_tallies, lock
          where lock.got and not folded ${scope} order by tally_id limit ${FOLD_BATCH}),
        keys as (select distinct * from pending),
        gone as (delete from entity_tallies t using keys k
          where t.workspace_id = k.workspace_id and t.type = k.type and t.id = k.id and t.reader = k.reader
            and t.name = k.name returning t.*),
        summed as (select workspace_id, type, id, reader, name, min(name_key) as name_key, sum(n) as n,
            min(first_seen) as first_seen, max(last_seen) as last_seen,
            min(gone_first) as gone_first, max(gone_last) as gone_last
          from gone group by 1, 2, 3, 4, 5),
        folded as (insert into entity_tallies (workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, folded)
          select s.workspace_id, s.type, s.id, s.reader, s.name, s.name_key, s.n,
            coalesce(e.first_seen, s.first_seen), coalesce(e.last_seen, s.last_seen), true
          -- Gated inside (a one-time filter): in ON, every key's rows were read and the answer dropped.
          from summed s cross join lateral (
            select min(x.create_time) as first_seen, max(x.update_time) as last_seen from entity_names x
            where (s.gone_first <= s.first_seen or s.gone_last >= s.last_seen
                or (s.first_seen is null and s.gone_first is not null))
              and x.workspace_id = s.workspace_id and x.type = s.type and x.id = s.id and x.name = s.name
              and ${Sql.raw(readerOf("x"))} = s.reader and ${Sql.raw(timeless("x"))}) e
          where s.n > 0
          returning 1)
        select (select count(*) from pending) as pending, (select count(*) from folded) as written`,
    );
    return Number(rows[0]?.pending ?? 0);
  }
}
