import type { Edge } from "./edge.repository.js";
import type { EntityRef } from "./entity.repository.js";
import { keyOf, type Expand } from "./graph-walk.js";

export interface EntityPath {
  /** From the first entity to the last. */
  entities: EntityRef[];
  /** edges[i] joins entities[i] and entities[i + 1] (the strongest relation between them). */
  edges: Edge[];
}

/** Entities expanded per step at most: beyond this a search gives up rather than read the whole graph. */
export const MAX_FRONTIER = 500;

/**
 * The shortest paths from `from` to `to`, breadth first from `from` (relations taken either
 * way), at most `maxDepth` relations long: every shortest path, up to `maxPaths`, each step by
 * the strongest relation between its two entities.
 */
export async function shortestPaths(
  from: EntityRef,
  to: EntityRef,
  { maxDepth, maxPaths, expand }: { maxDepth: number; maxPaths: number; expand: Expand },
): Promise<EntityPath[]> {
  const target = keyOf(to);
  const refs = new Map([[keyOf(from), from]]);
  const depthOf = new Map([[keyOf(from), 0]]);
  /** For each entity reached, the entities one step nearer the start, each with the strongest relation. */
  const parents = new Map<string, Map<string, Edge>>();
  let frontier = [from];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0 && !depthOf.has(target); depth++) {
    const inFrontier = new Set(frontier.map(keyOf));
    const next: EntityRef[] = [];
    for (const edge of await expand(frontier.slice(0, MAX_FRONTIER))) {
      for (const [near, far] of [
        [edge.subject, edge.object],
        [edge.object, edge.subject],
      ] as const) {
        const farKey = keyOf(far);
        if (!inFrontier.has(keyOf(near)) || (depthOf.get(farKey) ?? depth) !== depth) continue;
        if (!depthOf.has(farKey)) {
          depthOf.set(farKey, depth);
          refs.set(farKey, far);
          next.push(far);
        }
        const byParent = parents.get(farKey) ?? new Map<string, Edge>();
        const held = byParent.get(keyOf(near));
        if (held === undefined || edge.weight > held.weight) byParent.set(keyOf(near), edge);
        parents.set(farKey, byParent);
      }
    }
    frontier = next;
  }
  if (!depthOf.has(target)) return [];
  const paths: EntityPath[] = [];
  const walkBack = (key: string, entities: EntityRef[], edges: Edge[]): void => {
    if (paths.length >= maxPaths) return;
    const ref = refs.get(key);
    if (ref === undefined) return;
    if (depthOf.get(key) === 0) {
      paths.push({ entities: [ref, ...entities], edges });
      return;
    }
    const byParent = [...(parents.get(key) ?? new Map<string, Edge>())].sort((a, b) => b[1].weight - a[1].weight);
    for (const [parent, edge] of byParent) walkBack(parent, [ref, ...entities], [edge, ...edges]);
  };
  walkBack(target, [], []);
  return paths;
}
