import type { GraphEdge } from "../../gen/ts/engram/v1/entity_service_pb.js";

/** The weights of a graph's relations between two entities (by id, either way round). */
export function weightsBetween(edges: readonly GraphEdge[], a: string, b: string): number[] {
  const pair = (x = "", y = "") => [x, y].sort().join("\u0000");
  return edges.filter((e) => pair(e.subject?.id, e.object?.id) === pair(a, b)).map((e) => e.weight);
}
