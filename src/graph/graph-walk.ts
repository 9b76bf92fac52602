import type { Edge } from "./edge.repository.js";
import { CO_MENTIONED } from "./stated-relations.js";
import type { EntityRef } from "./entity.repository.js";

/** The relations touching a set of entities (EdgeRepository.touching, over one GraphSource). */
export type Expand = (refs: readonly EntityRef[]) => Promise<Edge[]>;

export interface Neighbourhood {
  /** The start first, then by distance, strongest first. */
  entities: EntityRef[];
  /** Every relation between two of the entities, once (co_mentioned has no direction). */
  edges: Edge[];
  truncated: boolean;
}

export const keyOf = (ref: EntityRef): string => JSON.stringify([ref.type, ref.id]);

/**
 * Breadth first from `start`, `depth` steps, at most `limit` entities: each step takes the new
 * neighbours of the last step's entities, strongest (summed weight) first, among the allowed
 * types, until the limit; then one more read finds the relations among the last step's entities.
 * With `among` (a source whose steps rank by partial weights: tallies/tallied-edges.ts), the
 * steps only choose the entities, and `among` gives every relation between them.
 */
export async function neighbourhood(
  start: EntityRef,
  {
    depth,
    limit,
    types,
    expand,
    among,
  }: { depth: number; limit: number; types: readonly string[]; expand: Expand; among?: Expand },
): Promise<Neighbourhood> {
  const included = new Map([[keyOf(start), start]]);
  const allowed = (ref: EntityRef) => !included.has(keyOf(ref)) && (types.length === 0 || types.includes(ref.type));
  const edges = new EdgeSet();
  let frontier = [start];
  let steps = 0;
  let truncated = false;
  while (steps < depth && frontier.length > 0 && included.size < limit) {
    const found = await expand(frontier);
    steps++;
    const strength = new Map<string, { ref: EntityRef; weight: number }>();
    for (const edge of found) {
      for (const end of [edge.subject, edge.object].filter(allowed)) {
        const seen = strength.get(keyOf(end)) ?? { ref: end, weight: 0 };
        seen.weight += edge.weight;
        strength.set(keyOf(end), seen);
      }
    }
    const ranked = [...strength.values()].sort((a, b) => b.weight - a.weight || compareRefs(a.ref, b.ref));
    const room = limit - included.size;
    truncated ||= ranked.length > room;
    frontier = ranked.slice(0, room).map((n) => n.ref);
    for (const ref of frontier) included.set(keyOf(ref), ref);
    // With `among`, a step's edges only rank (their relations are read by among, below).
    if (among === undefined) for (const edge of found) edges.addWithin(edge, included);
  }
  if (among !== undefined) {
    // Whether the limit left out entities still within depth, then the relations among all.
    if (frontier.length > 0 && steps < depth) {
      truncated ||= (await expand(frontier)).some((e) => allowed(e.subject) || allowed(e.object));
    }
    const between = new EdgeSet();
    for (const edge of await among([...included.values()])) between.addWithin(edge, included);
    return { entities: [...included.values()], edges: between.all(), truncated };
  }
  // The last entities added were never expanded: one more read finds the relations among them,
  // and whether the limit left out entities that were still within depth.
  if (frontier.length > 0) {
    const found = await expand(frontier);
    for (const edge of found) edges.addWithin(edge, included);
    truncated ||= steps < depth && found.some((e) => allowed(e.subject) || allowed(e.object));
  }
  return { entities: [...included.values()], edges: edges.all(), truncated };
}

/**
 * A relation as one key whichever source or end gave it: a stated one by its ends and predicate,
 * co_mentioned (which has no direction) with its lesser end first.
 */
export function relationKeyed(edge: Edge): { key: string; edge: Edge } {
  const undirected = edge.predicate === CO_MENTIONED && compareRefs(edge.subject, edge.object) > 0;
  const oriented = undirected ? { ...edge, subject: edge.object, object: edge.subject } : edge;
  return { key: JSON.stringify([keyOf(oriented.subject), oriented.predicate, keyOf(oriented.object)]), edge: oriented };
}

/** Edges once each (relationKeyed). */
class EdgeSet {
  private readonly byKey = new Map<string, Edge>();

  addWithin(edge: Edge, included: ReadonlyMap<string, EntityRef>): void {
    if (!included.has(keyOf(edge.subject)) || !included.has(keyOf(edge.object))) return;
    const { key, edge: oriented } = relationKeyed(edge);
    if (!this.byKey.has(key)) this.byKey.set(key, oriented);
  }

  /** Strongest first; ties in one order whichever source gave them. */
  all(): Edge[] {
    const byPredicate = (a: Edge, b: Edge) => (a.predicate < b.predicate ? -1 : a.predicate > b.predicate ? 1 : 0);
    return [...this.byKey.values()].sort(
      (a, b) =>
        b.weight - a.weight ||
        compareRefs(a.subject, b.subject) ||
        byPredicate(a, b) ||
        compareRefs(a.object, b.object),
    );
  }
}

export function compareRefs(a: EntityRef, b: EntityRef): number {
  return a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
