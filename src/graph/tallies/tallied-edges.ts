import type { EntityManager } from "@mikro-orm/sql";
import { query, Sql, sql } from "../../db/sql.js";
import type { Edge, EdgeRepository } from "../edge.repository.js";
import type { EntityRef, SeenEntity } from "../entity.repository.js";
import type { LiveSource } from "../graph-source.js";
import { keyOf, relationKeyed, type Expand } from "../graph-walk.js";
import { RelationTallyRepository } from "./relation-tally.repository.js";
import { BOUNDED } from "./tally-trigger.js";

/** A graph read now, from the relation tallies and the few memories they leave out. */
export interface TalliedEdges {
  /**
   * For ranking a step only: each strong neighbour once, as a relation from the first entity
   * asked about weighted by its summed strongest relations to them all (strongestNeighbours),
   * and the bounded memories' relations as they are. Not relations to return.
   */
  expand: Expand;
  /** Every relation between two of the entities, with its weight and newest memories. */
  among: Expand;
  /** The entities of the last `among`, as the reader sees them (read in the same statement). */
  seen: () => SeenEntity[] | undefined;
}

/**
 * The timeless memories' relations come from relation_tallies, the bounded memories' (whose
 * standing the clock can change) from the memories themselves; the two are summed per relation.
 * A step ranks by each entity's strongest rows (at least 100) and keeps `2 x limit + 1` neighbours.
 */
export function talliedEdges(
  edges: EdgeRepository,
  source: LiveSource,
  { predicates, types, limit }: { predicates: readonly string[]; types: readonly string[]; limit: number },
): TalliedEdges {
  const em = edges.em;
  const tallies = new RelationTallyRepository(em);
  // Most workspaces hold no bounded memory: one probe of their index says so, once per read.
  let anyBounded: Promise<boolean> | undefined;
  let seen: SeenEntity[] | undefined;
  const bounded = async (refs: readonly EntityRef[]) => {
    anyBounded ??= holdsBounded(em, source.workspaceId);
    return (await anyBounded) ? edges.touching(source, refs, predicates, { boundedOnly: true }) : [];
  };
  return {
    expand: async (refs) => {
      const from = refs[0];
      if (from === undefined) return [];
      // Rows are per reader class, so a few rows may be one neighbour: never fewer than 100.
      const perEntity = Math.max(100, 2 * limit);
      const ranked = await tallies.strongestNeighbours(source, refs, {
        predicates,
        types,
        perEntity,
        count: 2 * limit + 1,
      });
      const strong = ranked.map(({ ref, weight }) => ({
        subject: from,
        predicate: "",
        object: ref,
        weight,
        memoryIds: [],
      }));
      return [...strong, ...(await bounded(refs))];
    },
    among: async (refs) => {
      const inside = new Set(refs.map(keyOf));
      const live = (await bounded(refs)).filter((e) => inside.has(keyOf(e.subject)) && inside.has(keyOf(e.object)));
      const { edges: counted, seen: entities } = await tallies.among(source, refs, predicates);
      seen = entities;
      if (live.length === 0) return counted;
      return newestFirst(em, source.workspaceId, merged([counted, live]));
    },
    seen: () => seen,
  };
}

/**
 * One edge per relation (co_mentioned whichever way round): the sources' weights summed and
 * their memories listed once. A source gives a co_mentioned relation from each of its ends it
 * was asked about, the same memories both times: that one counts once.
 */
function merged(lists: Edge[][]): Edge[] {
  const byKey = new Map<string, Edge>();
  for (const list of lists) {
    const own = new Map<string, Edge>();
    for (const { key, edge } of list.map(relationKeyed)) if (!own.has(key)) own.set(key, edge);
    for (const [key, edge] of own) {
      const seen = byKey.get(key);
      byKey.set(
        key,
        seen === undefined
          ? edge
          : { ...seen, weight: seen.weight + edge.weight, memoryIds: [...seen.memoryIds, ...edge.memoryIds] },
      );
    }
  }
  return [...byKey.values()];
}

/** The edges' memories in the order of their last update, the newest five (only when two sources gave some). */
async function newestFirst(em: EntityManager, workspaceId: string, edges: Edge[]): Promise<Edge[]> {
  const ids = [...new Set(edges.flatMap((e) => e.memoryIds))];
  const rows = await query<{ id: string; update_time: Date | string }>(
    em,
    sql`select id::text, update_time from memories where workspace_id = ${workspaceId} and id = any(${ids}::uuid[])`,
  );
  const time = new Map(rows.map((r) => [r.id, new Date(r.update_time).getTime()]));
  const order = (a: string, b: string) => (time.get(b) ?? 0) - (time.get(a) ?? 0) || (a < b ? 1 : a > b ? -1 : 0);
  return edges.map((e) => ({ ...e, memoryIds: [...new Set(e.memoryIds)].sort(order).slice(0, 5) }));
}

/** Whether any memory of the workspace is bounded in time (its names rows, by their partial index). */
async function holdsBounded(em: EntityManager, workspaceId: string): Promise<boolean> {
  const rows = await query(
    em,
    // Ordered as the index is: else the planner, expecting many such rows, scans the table for one.
    sql`select 1 from entity_names where workspace_id = ${workspaceId} and ${Sql.raw(BOUNDED)} order by type, id limit 1`,
  );
  return rows.length > 0;
}
