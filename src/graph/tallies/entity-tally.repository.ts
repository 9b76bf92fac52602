import type { EntityManager } from "@mikro-orm/sql";
import { takeFoldLock } from "./fold-lock.js";
import { batchRows, dropBatch, takeFoldBatch } from "./fold-rows.js";
import { query, Sql, sql } from "../../db/sql.js";
import { readerOf, timeless } from "./tally-trigger.js";
import type { EntityRef } from "../entity.repository.js";

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
   * Folds up to FOLD_BATCH unfolded rows' keys of the workspace; returns how many unfolded rows
   * there were. Waits for another fold of them to end, or (`wait` false) skips them.
   */
  async fold(workspaceId: string, wait: boolean): Promise<number> {
    return this.em.transactional(async (em) => {
      if (!(await takeFoldLock(em, FOLD_LOCK, workspaceId, wait))) return 0;
      const batch = await takeFoldBatch(em, "entity_tallies", KEY_COLUMNS, workspaceId);
      if (batch === null) return 0;
      const written = await query<SoleKey>(
        em,
        sql`with gone as (select * from ${batchRows(batch)} as rows),
        summed as (select workspace_id, type, id, reader, name, min(name_key) as name_key, sum(n) as n,
            min(first_seen) as first_seen, max(last_seen) as last_seen,
            min(gone_first) as gone_first, max(gone_last) as gone_last
          from gone group by 1, 2, 3, 4, 5)
        insert into entity_tallies (workspace_id, type, id, reader, name, name_key, n, first_seen, last_seen, folded, sole_key)
          select s.workspace_id, s.type, s.id, s.reader, s.name, s.name_key, s.n,
            coalesce(e.first_seen, s.first_seen), coalesce(e.last_seen, s.last_seen), true, coalesce(k.sole, false)
          from summed s
          left join (${soleKeys(workspaceId, sql`select type, id from summed`)}) k on k.type = s.type and k.id = s.id
          left join (
            -- Only the keys whose times went with a removed memory are read anew (IN, not a join
            -- on every key; not a lateral per key either, which Citus cannot plan over a CTE).
            select x.type, x.id, x.name, c.reader, min(x.create_time) as first_seen, max(x.update_time) as last_seen
            from entity_names x cross join lateral (values (${Sql.raw(readerOf("x"))}), ('*')) as c(reader)
            where x.workspace_id = ${workspaceId} and ${Sql.raw(timeless("x"))}
              and (x.type, x.id, x.name) in (select type, id, name from summed where ${STALE("summed")})
            group by 1, 2, 3, 4) e
            on ${STALE("s")} and e.type = s.type and e.id = s.id and e.name = s.name and e.reader = s.reader
          where s.n > 0
        returning type, id, sole_key as sole`,
      );
      await dropBatch(em, batch);
      await markSoleKeys(em, workspaceId, written);
      return batch.unfolded;
    });
  }
}

/**
 * Whether each entity of `entities` (type, id) goes by one name_key in the memories that mention
 * it: counted over the admin class ('*'), which every tallied memory is in, before or after a
 * fold alike (a key's rows sum to the same). By IN, as the stale times below, for Citus.
 */
function soleKeys(workspaceId: string, entities: Sql): Sql {
  return sql`select x.type, x.id, count(*) = 1 as sole
    from (select x.type, x.id, x.name_key from entity_tallies x
      where x.workspace_id = ${workspaceId} and x.reader = '*' and (x.type, x.id) in (${entities})
      group by 1, 2, 3 having sum(x.n) > 0) x
    group by 1, 2`;
}

/** An entity a fold wrote rows of, and whether it goes by one name_key (as those rows say). */
interface SoleKey extends EntityRef {
  sole: boolean;
}

/**
 * The entities a fold wrote rows of may have gained or lost a name_key: their other folded rows
 * (other names and classes) are told what the written rows say. A key gained first, or one a
 * writer added since the fold's snapshot, shows as an unfolded row, which makes a reader read
 * the entity whole until the next fold (tally-sql.ts).
 */
async function markSoleKeys(em: EntityManager, workspaceId: string, written: SoleKey[]): Promise<void> {
  // One row per key written: an entity once (its rows all carry the same flag).
  const unique = [...new Map(written.map((e) => [`${e.type}\u0000${e.id}`, e])).values()];
  if (unique.length === 0) return;
  await query(
    em,
    sql`update entity_tallies t set sole_key = k.sole
      from unnest(${unique.map((e) => e.type)}::text[], ${unique.map((e) => e.id)}::text[],
        ${unique.map((e) => e.sole)}::boolean[]) as k(type, id, sole)
      where t.workspace_id = ${workspaceId} and t.type = k.type and t.id = k.id and t.folded and t.sole_key <> k.sole`,
  );
}

/** Whether a key's sum lost the memory its first or last time came from: its times are read anew. */
const STALE = (s: string) =>
  Sql.raw(`(${s}.gone_first <= ${s}.first_seen or ${s}.gone_last >= ${s}.last_seen
    or (${s}.first_seen is null and ${s}.gone_first is not null))`);

/** A tally key after its workspace: the rows of one key fold into one. */
const KEY_COLUMNS = ["type", "id", "reader", "name"];
