/**
 * Where each entity of a graph is drawn: the starting entity in the middle and the others on
 * rings by how many relations away they are. Deterministic (the same answer draws the same
 * picture, so a person can compare depths and times), and small enough to need no library.
 */

/** A node as the layout needs it: its key (type/id) and the keys of the nodes it relates to. */
export interface LayoutInput {
  /** The starting node first, then the others in the server's order (nearest, strongest first). */
  keys: readonly string[];
  /** Each relation as the keys of its two ends; direction does not matter to where nodes sit. */
  links: readonly (readonly [string, string])[];
}

export interface Placed {
  x: number;
  y: number;
  /** Relations from the start: 0 for the start itself. */
  ring: number;
}

export interface Layout {
  nodes: Map<string, Placed>;
  /** The outermost ring's radius: the picture spans -extent..extent both ways. */
  extent: number;
}

/** The distance between rings, and the least arc between neighbours on one, in SVG units. */
export const RING_GAP = 140;
const MIN_SPACING = 70;

export function layoutGraph({ keys, links }: LayoutInput): Layout {
  const order = new Map(keys.map((k, i) => [k, i] as const));
  const neighbours = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const [a, b] of links) {
    if (a === b || !order.has(a) || !order.has(b)) continue;
    neighbours.get(a)!.push(b);
    neighbours.get(b)!.push(a);
  }
  // The server's order decides who is whose parent, so ties never depend on the edges' order.
  for (const list of neighbours.values()) list.sort((a, b) => order.get(a)! - order.get(b)!);

  const ring = new Map<string, number>();
  const parent = new Map<string, string>();
  const start = keys[0];
  if (start !== undefined) {
    ring.set(start, 0);
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const at = queue[head]!;
      for (const next of neighbours.get(at)!) {
        if (ring.has(next)) continue;
        ring.set(next, ring.get(at)! + 1);
        parent.set(next, at);
        queue.push(next);
      }
    }
  }
  // A node no relation reaches (the server's limit cut its path) goes on a ring of its own, outside.
  const reached = Math.max(0, ...ring.values());
  for (const key of keys) if (!ring.has(key)) ring.set(key, reached + 1);

  const rings: string[][] = [];
  for (const key of keys) (rings[ring.get(key)!] ??= []).push(key);

  const nodes = new Map<string, Placed>();
  let radius = 0;
  rings.forEach((members, r) => {
    if (r === 0) {
      for (const key of members) nodes.set(key, { x: 0, y: 0, ring: 0 });
      return;
    }
    // Each ring far enough out to leave room between its nodes, and never closer than a gap to the last.
    radius = Math.max(radius + RING_GAP, (members.length * MIN_SPACING) / (2 * Math.PI));
    // Children sit in the order of their parents' angles, so branches stay together around the ring.
    const angleOf = (key: string) => {
      const p = parent.get(key);
      const placed = p === undefined ? undefined : nodes.get(p);
      return placed === undefined || placed.ring === 0 ? 0 : Math.atan2(placed.y, placed.x);
    };
    const sorted = [...members].sort((a, b) => angleOf(a) - angleOf(b) || order.get(a)! - order.get(b)!);
    const first = sorted.length > 0 && r > 1 ? angleOf(sorted[0]!) : -Math.PI / 2;
    sorted.forEach((key, i) => {
      const angle = first + (2 * Math.PI * i) / sorted.length;
      nodes.set(key, { x: radius * Math.cos(angle), y: radius * Math.sin(angle), ring: r });
    });
  });
  return { nodes, extent: radius };
}
