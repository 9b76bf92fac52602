import type { EntityRef } from "../../gen/ts/engram/v1/memory_pb.js";

/**
 * Where an entity's page lives: #/entities/<type>/<id>. Both parts are percent-encoded, since ids
 * are free text ("john smith", a URL with slashes) and the route splits on "/".
 */
export function entityHref(ref: { type: string; id: string }): string {
  return `#/entities/${encodeURIComponent(ref.type)}/${encodeURIComponent(ref.id)}`;
}

/** The entity a route names, or undefined when it names none (or its encoding is broken). */
export function entityOfRoute(route: string): { type: string; id: string } | undefined {
  const match = /^\/entities\/([^/]+)\/([^/]+)$/.exec(route);
  if (match === null) return undefined;
  try {
    return { type: decodeURIComponent(match[1]!), id: decodeURIComponent(match[2]!) };
  } catch {
    // A hand-typed "%zz": no entity, so the page says so rather than the console crashing.
    return undefined;
  }
}

/** An entity as people read it in lists: type/id. */
export function refText(ref: EntityRef | { type: string; id: string } | undefined): string {
  return ref === undefined ? "(unknown)" : `${ref.type}/${ref.id}`;
}

/** Two references to the same entity. */
export function sameRef(a: { type: string; id: string } | undefined, b: { type: string; id: string }): boolean {
  return a !== undefined && a.type === b.type && a.id === b.id;
}
