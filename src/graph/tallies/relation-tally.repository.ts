import type { EntityManager } from "@mikro-orm/sql";
import { takeFoldLock } from "./fold-lock.js";
import { query, Sql, sql } from "../../db/sql.js";
import { allOf } from "../../memory/filters.js";
import type { Edge } from "../edge.repository.js";
import { AMONG_TUPLE, amongRow, edgesOfRows, type AmongTuple } from "./relation-rows.js";
import { toSeen, type EntityRef, type SeenColumns, type SeenEntity } from "../entity.repository.js";
import { seenEntities } from "../entity-sql.js";
import type { LiveSource } from "../graph-source.js";
import { CO_MENTIONED, statedBy } from "../stated-relations.js";
import { batchRows, dropBatch, takeFoldBatch } from "./fold-rows.js";
import { readerOf, timeless } from "./tally-trigger.js";

/**
 * An entity mentioned by at most this many memories per entity asked about has its relations
 * read whole by among: a row of a range costs about a tenth of a probe of the key.
 */
const SMALL_PER_ENTITY = 4;

/** Serialises relation folds across servers, as entity tallies' are. */
const FOLD_LOCK = 0x7265_6c61;

/**
 * The relations the timeless memories a reader may read give (relation-tally.entity.ts): a graph
 * step's strongest, and every one among a set of entities. Memories whose standing the clock can
 * change are not tallied; EdgeRepository reads theirs (`bounded`).
 */
export class RelationTallyRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The `count` strongest neighbours of a set of entities (not among them), of `types` when
   * given: each entity's `perEntity` strongest relation rows, summed per neighbour. Enough to
   * rank a step's neighbours without reading every relation of a hub; a neighbour whose memories
   * are spread over several of a reader's classes may weigh less here than it does. One row per
   * neighbour: on PGlite each row returned costs about 20 us.
   */
  async strongestNeighbours(
    source: LiveSource,
    refs: readonly EntityRef[],
    {
      predicates,
      types,
      perEntity,
      count,
    }: { predicates: readonly string[]; types: readonly string[]; perEntity: number; count: number },
  ): Promise<{ ref: EntityRef; weight: number }[]> {
    if (refs.length === 0) return [];
    const typed = types.length === 0 ? [] : [sql`r.other_type = any(${types}::text[])`];
    const rows = await query<{ type: string; id: string; weight: number | string }>(
      this.em,
      sql`with refs(type, id) as (select * from unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[]))
        select r.other_type as type, r.other_id as id, sum(r.n) as weight
        from refs f cross join lateral (select r.other_type, r.other_id, r.n from relation_tallies r
          where ${allOf([...readableRows(source, predicates), ...typed, sql`array[r.type, r.id] = array[f.type, f.id]`])}
          order by r.n desc limit ${perEntity}) r
        where not exists (select 1 from refs o where o.type = r.other_type and o.id = r.other_id)
        group by 1, 2 having sum(r.n) > 0
        order by 3 desc, 1, 2 limit ${count}`,
    );
    return rows.map((row) => ({ ref: { type: row.type, id: row.id }, weight: Number(row.weight) }));
  }

  /**
   * Every relation between two of `refs`, once, with how many memories give it and the newest of
   * them (edgesOfRows), and the entities as the reader sees them (`seen`). A relation is kept
   * under both its ends, so each is read from one: a small entity's (SMALL_PER_ENTITY) whole
   * range of rows, filtered to the others, gives its relations to large ones and to greater small
   * ones; between two large ones, one probe of the key per pair. At 50 entities, 1,275 probes
   * took 12 ms on PGlite.
   */
  async among(
    source: LiveSource,
    refs: readonly EntityRef[],
    predicates: readonly string[],
  ): Promise<{ edges: Edge[]; seen: SeenEntity[] }> {
    const own = (f: string) => {
      const from = Sql.raw(f);
      return [...readableRows(source, predicates), sql`r.type = ${from}.type`, sql`r.id = ${from}.id`];
    };
    // One row holding every relation as JSON: on PGlite each row returned cost about 20 us, and
    // arrays of ids and times as much again (a 50-entity graph: 18-33 ms against 6 in the SQL).
    const [result] = await query<{ found: string | AmongTuple[]; seen: string | SeenColumns[] }>(
      this.em,
      sql`with refs(type, id) as (select * from unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[])),
        -- The entities as the reader sees them (EntityRepository.seen), read here to save a statement.
        seen as materialized (${seenEntities(source, source.workspaceId, sql`refs`)}),
        -- Only which way to read: how many of the reader's memories mention the entity.
        sized as materialized (select f.type, f.id, coalesce(s.mention_count, 0) <= ${SMALL_PER_ENTITY * refs.length} as small
          from refs f left join seen s on s.type = f.type and s.id = f.id),
        found as (
          select r.* from sized f cross join lateral (select r.* from relation_tallies r
            where ${allOf([...own("f"), sql`r.other_id = any(${refs.map((r) => r.id)}::text[])`])} offset 0) r
          join sized o on o.type = r.other_type and o.id = r.other_id
          where f.small and (not o.small or (f.type, f.id) < (o.type, o.id) or ((f.type, f.id) = (o.type, o.id) and r.outward))
          union all
          select r.* from sized f join sized o on not f.small and not o.small and (f.type, f.id) <= (o.type, o.id)
          cross join lateral (select r.* from relation_tallies r
            where ${allOf([...own("f"), sql`r.other_id = o.id`, sql`r.other_type = o.type`])}
            -- Kept apart: merged into the join, the planner read all of a hub's rows and hashed them.
            offset 0) r
          -- A relation of an entity to itself is kept once, outward.
          where (f.type, f.id) < (o.type, o.id) or r.outward)
        select coalesce(json_agg(json_build_array(${Sql.raw(AMONG_TUPLE.join(", "))})), '[]')::text as found,
          (select coalesce(json_agg(seen), '[]')::text from seen) as seen
        from found`,
    );
    const parsed = <T>(value: string | T[] | undefined): T[] =>
      value === undefined ? [] : typeof value === "string" ? (JSON.parse(value) as T[]) : value;
    return { edges: edgesOfRows(parsed(result?.found).map(amongRow)), seen: parsed(result?.seen).map(toSeen) };
  }

  /**
   * Replaces the rows of keys with unfolded deltas by their sum and the memories that still
   * give the relation, newest first (read from the memories), as EntityTallyRepository.fold does.
   */
  async fold(workspaceId: string, wait: boolean): Promise<number> {
    return this.em.transactional(async (em) => {
      if (!(await takeFoldLock(em, FOLD_LOCK, workspaceId, wait))) return 0;
      const batch = await takeFoldBatch(em, "relation_tallies", KEY_COLUMNS, workspaceId);
      if (batch === null) return 0;
      await query(
        em,
        sql`with gone as (select * from ${batchRows(batch)} as rows),
        -- Each memory's latest delta per key says whether it still gives the relation, and when it
        -- last changed (the times the deltas carry: no memory is read).
        events as (select g.workspace_id, g.type, g.id, g.reader, g.predicate, g.other_type, g.other_id, g.outward,
            u.memory_id, u.present, u.time,
            row_number() over (partition by ${KEY}, u.memory_id order by g.tally_id desc) as latest
          from gone g cross join lateral (select m, true, t from unnest(g.memory_ids, g.memory_times) as x(m, t)
            union all select m, false, null from unnest(g.gone_ids) as y(m)) as u(memory_id, present, time)),
        ranked as (select ${KEY}, memory_id, time,
            row_number() over (partition by ${KEY} order by time desc, memory_id desc) as rank
          from events where latest = 1 and present),
        -- Each key's sum and newest memories in one grouping: joined, the planner (which takes a
        -- CTE for a row or two) scanned one for every row of the other.
        kept as (select ${KEY}, sum(n) as n, coalesce(min(ids), '{}') as ids, coalesce(min(times), '{}') as times
          from (select ${KEY}, n, null::uuid[] as ids, null::timestamptz[] as times from gone
            union all
            select ${KEY}, 0, array_agg(memory_id order by rank), array_agg(time order by rank)
            from ranked where rank <= 5 group by 1, 2, 3, 4, 5, 6, 7, 8) c
          group by 1, 2, 3, 4, 5, 6, 7, 8 having sum(n) > 0),
        -- Removals can leave fewer memories listed than give the relation: read them anew.
        refilled as (select k.*, coalesce(again.ids, k.ids) as listed, coalesce(again.times, k.times) as listed_times
          from kept k left join lateral (${givingMemories(workspaceId, sql`cardinality(k.ids) < least(5, k.n)`)}) again on true)
        insert into relation_tallies (${KEY}, n, memory_ids, memory_times, folded)
          select ${KEY}, n, listed, listed_times, true from refilled`,
      );
      await dropBatch(em, batch);
      return batch.unfolded;
    });
  }
}

/** A relation tally key after its workspace: the rows of one key fold into one. */
const KEY_COLUMNS = ["type", "id", "reader", "predicate", "other_type", "other_id", "outward"];
const KEY = Sql.raw(["workspace_id", ...KEY_COLUMNS].join(", "));

/** The rows `r` the source's viewer may read, of the wanted predicates (the caller names the entity). */
function readableRows(source: LiveSource, predicates: readonly string[]): Sql[] {
  const where = [sql`r.workspace_id = ${source.workspaceId}`];
  // An admin reads the tallies of every memory, kept as the class '*'.
  where.push(source.readers === null ? sql`r.reader = '*'` : sql`r.reader = any(${source.readers}::text[])`);
  if (predicates.length > 0) where.push(sql`r.predicate = any(${predicates}::text[])`);
  return where;
}

/**
 * The newest five memories of the reader class of tally key `k` that give its relation, when
 * `gate` holds (a one-time filter: nothing is read otherwise): those whose names rows name both
 * ends, and for a stated predicate, that state it that way round.
 */
function givingMemories(workspaceId: string, gate: Sql): Sql {
  const states = `exists (select 1 from ${statedBy("m")} where r->>'predicate' = k.predicate
    and (s->>'type', s->>'id', o->>'type', o->>'id') = case when k.outward
      then (k.type, k.id, k.other_type, k.other_id) else (k.other_type, k.other_id, k.type, k.id) end)`;
  return sql`select array_agg(g.id order by g.update_time desc, g.id desc) as ids,
      array_agg(g.update_time order by g.update_time desc, g.id desc) as times
    from (select m.id, m.update_time from entity_names a
      join entity_names b on b.workspace_id = ${workspaceId} and b.type = k.other_type and b.id = k.other_id
        and b.memory_id = a.memory_id
      join memories m on m.workspace_id = ${workspaceId} and m.id = a.memory_id
      where ${gate} and a.workspace_id = ${workspaceId} and a.type = k.type and a.id = k.id
        and (k.reader = '*' or ${Sql.raw(readerOf("a"))} = k.reader) and ${Sql.raw(timeless("a"))}
        and (k.predicate = ${CO_MENTIONED} or ${Sql.raw(states)})
      order by m.update_time desc, m.id desc limit 5) g
    having count(*) > 0`;
}
